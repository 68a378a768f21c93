// Attackers that speak HTTP well enough to reach the gateway's checks (issue 6 items 1, 2, 3, 5, 8, 9, 10).
import type { Dispatcher } from 'undici';
import { attackerPool, durationLabel, repeat, type AttackContext } from './attack-kit.js';
import { LEGACY, openLegacy, outcomeOf, pause, post, responseTo } from './wire.js';

const rpc = (id: number, method: string, params: unknown): string => JSON.stringify({ jsonrpc: '2.0', id, method, params });

/** A session for an attacker, reopened when the gateway forgot it. */
class AttackSession {
  private headers: Record<string, string> | undefined;
  constructor(
    private readonly d: Dispatcher,
    private readonly ctx: AttackContext,
    private readonly who: string,
  ) {}

  /** POSTs body in the session and counts the outcome; a 404 (session gone) drops the session. */
  async send(body: string, label = ''): Promise<void> {
    this.headers ??= await openLegacy(this.d, this.ctx.url.pathname, this.who);
    const a = await post(this.d, this.ctx.url.pathname, this.headers, body);
    if (a.status === 404) this.headers = undefined;
    this.ctx.tally.add(this.who, `${label}${outcomeOf(a)}`);
  }
}

/** Items 1 and 2: arguments nested 10k levels to echo of the stdio and of the HTTP upstream. */
export async function deepArguments(ctx: AttackContext, tool: 'mock__echo' | 'http__echo'): Promise<void> {
  const who = `1-2 deep arguments (${tool})`;
  const pool = attackerPool(ctx);
  const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
  const s = new AttackSession(pool, ctx, who);
  let id = 1;
  await repeat(ctx, who, { workers: 2, everyMs: 100 }, () =>
    s.send(`{"jsonrpc":"2.0","id":${id++},"method":"tools/call","params":{"name":"${tool}","arguments":{"text":${deep}}}}`),
  );
  await pool.destroy();
}

/** Item 3: initialize with huge capabilities (inside the body limit) and huge clientInfo (just past it). */
export async function hugeInitialize(ctx: AttackContext): Promise<void> {
  const who = '3 huge initialize';
  const pool = attackerPool(ctx);
  const inside = 'x'.repeat(ctx.maxBodyBytes - 4096);
  const past = 'x'.repeat(ctx.maxBodyBytes + 1024);
  let n = 0;
  await repeat(ctx, who, { workers: 1, everyMs: 1_000 }, async () => {
    const big = n++ % 2 === 0;
    const params = big
      ? { protocolVersion: LEGACY, capabilities: { experimental: { blob: inside } }, clientInfo: { name: 'huge', version: '1' } }
      : { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: past, version: '1' } };
    const a = await post(pool, ctx.url.pathname, {}, rpc(n, 'initialize', params));
    ctx.tally.add(who, `${big ? 'capabilities 4 MiB-4 KiB' : 'clientInfo 4 MiB+1 KiB'}: ${outcomeOf(a)}`);
  });
  await pool.destroy();
}

/** Item 5: a result nested 20k levels (raw stdio upstream), the aggregate list while deepschema is refused. */
export async function deepResults(ctx: AttackContext): Promise<void> {
  const who = '5 deep result / tools/list';
  const pool = attackerPool(ctx);
  const s = new AttackSession(pool, ctx, who);
  let listSession: Record<string, string> | undefined;
  let id = 1;
  await repeat(ctx, who, { workers: 1, everyMs: 250 }, async () => {
    if (id++ % 8 !== 0) return s.send(rpc(id, 'tools/call', { name: 'raw__deep', arguments: { depth: 20_000 } }), 'raw__deep: ');
    // A session of its own, so a refused call does not hide the list's answer.
    listSession ??= await openLegacy(pool, ctx.url.pathname, `${who} (list)`);
    const a = await post(pool, ctx.url.pathname, listSession, rpc(id, 'tools/list', {}));
    if (a.status === 404) listSession = undefined;
    const tools = responseTo(a, id)?.result?.tools as { name: string }[] | undefined;
    if (tools === undefined) return ctx.tally.add(who, `tools/list: ${outcomeOf(a)}`);
    const schema = tools.some((t) => t.name.startsWith('deepschema__'));
    ctx.tally.add(who, `tools/list: ${a.status} ${tools.length} tools${schema ? ' (deepschema listed!)' : ', deepschema refused'}`);
  });
  await pool.destroy();
}

/** Item 8: a 14 kB Origin header, and calls of a tool whose upstream also writes a line that is not JSON. */
export async function originFlood(ctx: AttackContext): Promise<void> {
  const who = '8 14 kB Origin / garbage line';
  const pool = attackerPool(ctx);
  const origin = `http://${'a'.repeat(14_000)}.example`;
  const s = new AttackSession(pool, ctx, who);
  let id = 1;
  await Promise.all([
    repeat(ctx, who, { workers: 2, everyMs: 50 }, async () => {
      const a = await post(pool, ctx.url.pathname, { origin }, rpc(id++, 'ping', {}));
      ctx.tally.add(who, `origin: ${outcomeOf(a)}`);
    }),
    repeat(ctx, who, { workers: 1, everyMs: 500 }, () =>
      s.send(rpc(id++, 'tools/call', { name: 'noisy__garbage', arguments: {} }), 'noisy__garbage: '),
    ),
  ]);
  await pool.destroy();
}

/** Item 9: initialize after initialize, never using the sessions. */
export async function sessionFlood(ctx: AttackContext): Promise<void> {
  const who = '9 session flood';
  const pool = attackerPool(ctx);
  const params = { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: 'flood', version: '1' } };
  await repeat(ctx, who, { workers: 2, everyMs: 20 }, async () => {
    ctx.tally.add(who, outcomeOf(await post(pool, ctx.url.pathname, {}, rpc(1, 'initialize', params))));
  });
  await pool.destroy();
}

/** Item 10: GET streams opened, then their sessions deleted; the stream must end. */
export async function streamsDeleted(ctx: AttackContext): Promise<void> {
  const who = '10 GET stream + DELETE';
  const pool = attackerPool(ctx, 6);
  const path = ctx.url.pathname;
  await repeat(ctx, who, { workers: 2, everyMs: 1_000 }, async () => {
    const headers = await openLegacy(pool, path, who);
    const res = await pool.request({ method: 'GET', path, headers: { ...headers, accept: 'text/event-stream' } });
    if (res.statusCode !== 200) {
      ctx.tally.add(who, `GET: ${res.statusCode}`);
      await res.body.dump();
      return;
    }
    const ended = drain(res.body);
    const second = await pool.request({ method: 'GET', path, headers: { ...headers, accept: 'text/event-stream' } });
    ctx.tally.add(who, `second GET on the session: ${second.statusCode}`);
    if (second.statusCode === 200) second.body.destroy();
    else await second.body.dump();
    await pause(500, ctx.stop);
    const t0 = Date.now();
    const del = await pool.request({ method: 'DELETE', path, headers: { ...headers, 'mcp-protocol-version': LEGACY } });
    await del.body.dump();
    const timeout = new Promise<string>((r) => setTimeout(() => r('stream still open 5 s after DELETE'), 5_000).unref());
    const how = await Promise.race([ended, timeout]);
    ctx.tally.add(who, `DELETE ${del.statusCode}: ${how}${how.startsWith('stream e') ? ` (${durationLabel(Date.now() - t0)})` : ''}`);
    if (how.startsWith('stream still')) res.body.destroy();
  });
  await pool.destroy();
}

/** Reads a stream to its end; says how it ended. */
async function drain(body: AsyncIterable<unknown>): Promise<string> {
  try {
    for await (const _ of body);
    return 'stream ended';
  } catch (e) {
    return `stream error ${(e as { code?: string }).code ?? ''}`;
  }
}
