import type { Pool } from 'undici';
import { onAbort, type Clock, type Random } from '../core/index.js';
import type { RequestId } from '../protocol/index.js';
import { backoffDelay } from './backoff.js';
import { readText } from './http-common.js';
import type { ResolvedRestart, UpstreamLogger } from './spec.js';
import { SseParser } from './sse-parser.js';
import { unavailable } from './upstream-errors.js';

/** Where a request's SSE stream stopped: its last event id and the server's `retry` hint, if any. */
export interface ResumePoint {
  readonly lastEventId: string;
  readonly retryMs: number | undefined;
}

/** What resuming one request's stream needs from its channel. */
export interface ResumeOptions {
  readonly name: string;
  readonly pool: Pool;
  readonly path: string;
  /** Current headers (the session id may change while we wait). */
  readonly headers: () => Record<string, string>;
  readonly maxMessageBytes: number;
  readonly clock: Clock;
  readonly random: Random;
  /** Backoff between failed attempts (the restart policy). */
  readonly backoff: ResolvedRestart;
  readonly log: UpstreamLogger;
  readonly related: RequestId;
  readonly signal: AbortSignal | undefined;
  deliver(text: string, related: RequestId): void;
  /** True once the request's response arrived (or it was settled otherwise): resuming stops. */
  answered(): boolean;
}

/** Consecutive GETs that bring nothing before the request is given up. */
export const RESUME_ATTEMPTS = 5;
/** Longest wait honoured from a server's `retry` hint: a hostile value must not park a call for hours. */
export const RESUME_MAX_WAIT_MS = 30_000;
/** A resumed stream open this long counts as progress even without events (a server polling a long call). */
const STABLE_MS = 1_000;
const ERROR_BODY_MAX = 4 * 1024;

/**
 * SEP-1699: the server ended a request's SSE stream before its response (SSE polling, or a broken
 * connection) after giving event ids. Reconnects with GET + Last-Event-ID after the server's `retry`
 * delay, delivering the replayed and live messages tagged to the same request, until the response
 * arrives. A GET that brings events is progress (attempts start over); RESUME_ATTEMPTS empty or failed
 * ones in a row, backing off, end it with GW_UPSTREAM_UNAVAILABLE (the call may have run: maybeExecuted).
 */
export async function resumeStream(o: ResumeOptions, from: ResumePoint): Promise<void> {
  let point = from;
  let failures = 0;
  let reason = 'no response';
  while (!o.answered()) {
    if (failures >= RESUME_ATTEMPTS) break;
    const hint = Math.min(point.retryMs ?? 0, RESUME_MAX_WAIT_MS);
    await sleep(o, failures === 0 ? hint : Math.max(hint, backoffDelay(o.backoff, failures, o.random)));
    if (o.answered()) return;
    const outcome = await once(o, point).catch((err: unknown) => {
      if (o.signal?.aborted) throw o.signal.reason;
      return { point, progress: false, reason: err instanceof Error ? err.message : String(err), final: false };
    });
    point = outcome.point;
    if (outcome.final) {
      reason = outcome.reason;
      break;
    }
    failures = outcome.progress ? 0 : failures + 1;
    reason = outcome.reason;
  }
  if (o.answered()) return;
  o.log.debug({ upstream: o.name, related: o.related, lastEventId: point.lastEventId, reason }, 'could not resume the response stream');
  throw unavailable(o.name, `response stream ended and could not be resumed (${reason})`, true);
}

interface Outcome {
  readonly point: ResumePoint;
  /** A new event id arrived, or the stream stayed open long enough to prove itself (SSE polling). */
  readonly progress: boolean;
  readonly reason: string;
  /** The server refused the resumption itself (unknown event id, no GET, no session): trying again is pointless. */
  readonly final: boolean;
}

async function once(o: ResumeOptions, from: ResumePoint): Promise<Outcome> {
  const headers = { ...o.headers(), accept: 'text/event-stream', 'last-event-id': from.lastEventId };
  const res = await o.pool.request({ path: o.path, method: 'GET', headers, signal: o.signal, headersTimeout: 0, bodyTimeout: 0 });
  if (res.statusCode !== 200 || !String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
    await readText(res.body, ERROR_BODY_MAX).catch(() => '');
    // 5xx and 429 may pass; any other answer is the server saying it cannot resume this stream.
    const final = res.statusCode < 500 && res.statusCode !== 429;
    return { point: from, progress: false, reason: `GET with Last-Event-ID answered HTTP ${res.statusCode}`, final };
  }
  const opened = o.clock.now();
  let lastEventId = from.lastEventId;
  let retryMs = from.retryMs;
  const parser = new SseParser(o.maxMessageBytes, {
    event: (e) => {
      if (e.event === 'message') o.deliver(e.data, o.related);
    },
    oversized: (bytes) => o.log.warn({ upstream: o.name, bytes }, 'oversized message on a resumed stream dropped'),
    retry: (ms) => (retryMs = ms),
  });
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) parser.push(chunk);
  } catch {
    if (o.signal?.aborted) throw o.signal.reason;
    // A resumed stream that broke is judged like one the server ended: resumed again from its last id.
  }
  const advanced = parser.lastEventId !== undefined && parser.lastEventId !== from.lastEventId;
  if (parser.lastEventId !== undefined) lastEventId = parser.lastEventId;
  const progress = advanced || o.clock.now() - opened >= STABLE_MS;
  return { point: { lastEventId, retryMs }, progress, reason: 'the resumed stream ended without a response', final: false };
}

function sleep(o: ResumeOptions, ms: number): Promise<void> {
  const { signal } = o;
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = o.clock.setTimeout(() => {
      off?.();
      resolve();
    }, ms);
    const off =
      signal === undefined
        ? undefined
        : onAbort(signal, (reason) => {
            o.clock.clearTimeout(timer);
            reject(reason);
          });
  });
}
