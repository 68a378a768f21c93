// The well-behaved clients: closed loops of echo calls through the gateway to the stdio and the HTTP upstream,
// legacy sessions (some holding a GET stream, as a client waiting for list_changed does) and modern callers.
// Every failure is an error of the soak; every call's latency goes to the histogram of its phase and target.
import { performance } from 'node:perf_hooks';
import { Client, type Dispatcher } from 'undici';
import { Histogram } from '../lib/histogram.js';
import { modernCall, openLegacy, outcomeOf, post, responseTo, LEGACY, type Answer } from './wire.js';

/** The phases of a soak run. */
export type Phase = 'baseline' | 'attack';
/** The two upstreams the clients call. */
export const TARGETS = { stdio: 'mock__echo', http: 'http__echo' } as const;
type Target = keyof typeof TARGETS;

/** What the well-behaved clients saw. */
export class WellBehaved {
  readonly hist = new Map<string, Histogram>();
  calls = 0;
  errors = 0;
  readonly firstErrors: string[] = [];
  /** Events received on the clients' GET streams (list_changed from the storming upstream). */
  streamEvents = 0;
  phase: Phase = 'baseline';

  /** Records one call's latency under its phase and target. */
  record(phase: Phase, target: Target, ms: number): void {
    this.calls++;
    for (const key of [`${phase}`, `${phase}/${target}`]) {
      let h = this.hist.get(key);
      if (h === undefined) this.hist.set(key, (h = new Histogram()));
      h.recordMs(ms);
    }
  }

  /** Records an error (the first 10 are kept verbatim, with the time they happened). */
  fail(who: string, what: string): void {
    this.errors++;
    if (this.firstErrors.length < 10) this.firstErrors.push(`${new Date().toISOString()} ${who}: ${what.slice(0, 400)}`);
  }
}

const CLIENT_OPTS = { pipelining: 1, keepAliveTimeout: 120_000, headersTimeout: 60_000, bodyTimeout: 0 } as const;

/** Runs `legacy` legacy sessions and `modern` modern callers until `stop` aborts; resolves when all have ended. */
export async function runWellBehaved(
  url: URL,
  o: { legacy: number; modern: number; streams: number },
  wb: WellBehaved,
  stop: AbortSignal,
): Promise<void> {
  const loops: Promise<void>[] = [];
  for (let i = 0; i < o.legacy; i++) loops.push(legacyLoop(url, i, i < o.streams, wb, stop));
  for (let i = 0; i < o.modern; i++) loops.push(modernLoop(url, i, wb, stop));
  await Promise.all(loops);
}

async function legacyLoop(url: URL, n: number, withStream: boolean, wb: WellBehaved, stop: AbortSignal): Promise<void> {
  const who = `legacy-${n}`;
  const client = new Client(url.origin, CLIENT_OPTS);
  const streamClient = withStream ? new Client(url.origin, CLIENT_OPTS) : undefined;
  try {
    const headers = await openLegacy(client, url.pathname, who);
    const stream = streamClient === undefined ? undefined : holdGetStream(streamClient, url.pathname, headers, who, wb, stop);
    await callLoop(who, wb, stop, (id, name, text) =>
      post(
        client,
        url.pathname,
        headers,
        JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: { text } } }),
      ),
    );
    await stream;
    const d = await client.request({ method: 'DELETE', path: url.pathname, headers });
    await d.body.dump();
  } catch (e) {
    wb.fail(who, `session: ${(e as Error).message}`);
  } finally {
    await Promise.all([client.destroy(), streamClient?.destroy()]);
  }
}

async function modernLoop(url: URL, n: number, wb: WellBehaved, stop: AbortSignal): Promise<void> {
  const who = `modern-${n}`;
  const client = new Client(url.origin, CLIENT_OPTS);
  try {
    await callLoop(who, wb, stop, (id, name, text) => {
      const c = modernCall(id, name, { text });
      return post(client, url.pathname, c.headers, c.body);
    });
  } finally {
    await client.destroy();
  }
}

/** Alternates echo calls to the stdio and the HTTP upstream, one in flight, until stop. */
async function callLoop(
  who: string,
  wb: WellBehaved,
  stop: AbortSignal,
  call: (id: number, name: string, text: string) => Promise<Answer>,
): Promise<void> {
  let id = 1;
  while (!stop.aborted) {
    const target: Target = id % 2 === 0 ? 'stdio' : 'http';
    const text = `${who}-${id}`;
    const phase = wb.phase;
    const t0 = performance.now();
    try {
      const a = await call(id, TARGETS[target], text);
      const ms = performance.now() - t0;
      const r = responseTo(a, id);
      const got = (r?.result?.content as { text?: unknown }[] | undefined)?.[0]?.text;
      if (a.status !== 200 || r?.result === undefined || r.result.isError === true || got !== text) {
        wb.fail(who, `${TARGETS[target]}: ${outcomeOf(a)}: ${a.text.slice(0, 300)}`);
      } else wb.record(phase, target, ms);
    } catch (e) {
      wb.fail(who, `${TARGETS[target]}: ${(e as Error).message}`);
    }
    id++;
  }
}

/** Holds the session's GET stream open, counting its events; the stream ending before stop is an error. */
async function holdGetStream(
  d: Dispatcher,
  path: string,
  session: Record<string, string>,
  who: string,
  wb: WellBehaved,
  stop: AbortSignal,
): Promise<void> {
  try {
    const res = await d.request({
      method: 'GET',
      path,
      headers: { ...session, accept: 'text/event-stream', 'mcp-protocol-version': LEGACY },
      signal: stop,
    });
    if (res.statusCode !== 200) {
      wb.fail(who, `GET stream: HTTP ${res.statusCode}: ${(await res.body.text()).slice(0, 200)}`);
      return;
    }
    for await (const chunk of res.body) wb.streamEvents += countEvents(chunk as Buffer);
    if (!stop.aborted) wb.fail(who, 'GET stream ended by the gateway');
  } catch (e) {
    if (!stop.aborted) wb.fail(who, `GET stream: ${(e as Error).message}`);
  }
}

function countEvents(chunk: Buffer): number {
  let n = 0;
  for (let i = chunk.indexOf('data:'); i !== -1; i = chunk.indexOf('data:', i + 5)) n++;
  return n;
}
