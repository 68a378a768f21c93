import type { Logger } from '../core/index.js';
import type { CallEndEvent, Channels } from './channels.js';

/**
 * One access line per call (request id, session, principal, upstream, tool, duration, attempts, outcome,
 * error code), written to each sink as `msg: "access"`. A subscriber of `callEnd`, so it costs nothing when
 * off. Sinks are pino loggers: redaction and secret scrubbing apply as for every other line. Returns the
 * function that stops it.
 */
export function subscribeAccessLog(channels: Channels, sinks: readonly Logger[]): () => void {
  return channels.callEnd.subscribe((e) => {
    const line = accessLine(e);
    for (const sink of sinks) sink.info(line, 'access');
  });
}

/** The fields of one access line (absent values left out). */
export function accessLine(e: CallEndEvent): Record<string, unknown> {
  return {
    type: 'access',
    requestId: e.requestId,
    ...(e.sessionId !== undefined && { session: e.sessionId }),
    principal: e.principal,
    era: e.era,
    method: e.method,
    upstream: e.upstream,
    ...(e.name !== '' && { name: e.name }),
    durationMs: Math.round(e.durationMs * 1000) / 1000,
    ...(e.upstreamMs !== undefined && { upstreamMs: Math.round(e.upstreamMs * 1000) / 1000 }),
    attempts: e.attempts,
    outcome: e.outcome,
    ...(e.errorCode !== undefined && { errorCode: e.errorCode }),
  };
}
