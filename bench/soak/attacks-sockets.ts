// Attackers on raw sockets (issue 6 items 4 and 6): callers that never read a streaming answer, slowloris
// (trickled bodies and headers, idle sockets) and bursts of more connections than the gateway's cap.
import { connect, type Socket } from 'node:net';
import { attackerPool, durationLabel, repeat, type AttackContext } from './attack-kit.js';
import { openLegacy, pause } from './wire.js';

const HOLD_MS = 20_000;

function open(ctx: AttackContext): Socket {
  const s = connect({ host: ctx.url.hostname, port: Number(ctx.url.port) });
  s.on('error', () => {}); // resets are expected; how the socket ended is what gets counted
  return s;
}

/** Resolves when the socket closes or after ms (then destroys it); says which, and how long it lived. */
function lifetime(s: Socket, ms: number, stop: AbortSignal): Promise<{ closed: boolean; ms: number; head: string }> {
  const t0 = Date.now();
  let head = '';
  s.on('data', (b: Buffer) => {
    if (head.length < 64) head += b.toString('latin1', 0, 64);
  });
  return new Promise((resolve) => {
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      stop.removeEventListener('abort', cut);
      s.destroy();
      resolve({ closed, ms: Date.now() - t0, head: head.split('\r\n')[0] ?? '' });
    };
    const cut = (): void => done(false);
    const timer = setTimeout(cut, ms);
    stop.addEventListener('abort', cut, { once: true });
    s.once('close', () => done(true));
  });
}

/** Item 4: tools/call with a progress token over a socket that never reads; held 20 s, then dropped. */
export async function nonReaders(ctx: AttackContext, tool: string, args: Record<string, unknown>, workers: number): Promise<void> {
  const who = `4 never-reading caller (${tool})`;
  const pool = attackerPool(ctx, 1);
  let session: Record<string, string> | undefined;
  let id = 1;
  await repeat(ctx, who, { workers, everyMs: 1_000 }, async () => {
    session ??= await openLegacy(pool, ctx.url.pathname, who);
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: id++,
      method: 'tools/call',
      params: { name: tool, arguments: args, _meta: { progressToken: `p${id}` } },
    });
    const head = [
      `POST ${ctx.url.pathname} HTTP/1.1`,
      `Host: ${ctx.url.host}`,
      'Content-Type: application/json',
      'Accept: application/json, text/event-stream',
      ...Object.entries(session).map(([k, v]) => `${k}: ${v}`),
      `Content-Length: ${Buffer.byteLength(body)}`,
    ];
    const s = open(ctx);
    s.pause(); // never read: what the gateway sends piles up in the kernel, then in the gateway's buffer
    s.write(`${head.join('\r\n')}\r\n\r\n${body}`);
    await pause(HOLD_MS, ctx.stop);
    if (ctx.stop.aborted) return void s.destroy();
    if (s.destroyed) return ctx.tally.add(who, 'after 20 s not reading: reset by the gateway');
    // Then read what is there: the answer's result, or a stream the gateway cut (its call cancelled upstream).
    const got = await readFor(s, 10_000);
    ctx.tally.add(
      who,
      `after 20 s not reading: ${got.result ? 'the result was waiting' : got.ended ? 'stream cut by the gateway, no result' : 'no result within 10 s of reading'}`,
    );
  });
  await pool.destroy();
}

/** Reads a paused socket for up to ms; says whether a JSON-RPC result arrived and whether the socket ended. */
function readFor(s: Socket, ms: number): Promise<{ result: boolean; ended: boolean }> {
  let tail = '';
  let result = false;
  return new Promise((resolve) => {
    const done = (ended: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      resolve({ result, ended });
    };
    const timer = setTimeout(() => done(false), ms);
    s.on('data', (b: Buffer) => {
      tail = tail.slice(-16) + b.toString('latin1');
      if (tail.includes('"result"')) result = true;
      tail = tail.slice(-16);
    });
    s.once('close', () => done(true));
    s.resume();
  });
}

/** Item 6: bodies trickled 1 byte every 2 s, headers trickled, idle sockets; 12 of each at a time. */
export async function slowloris(ctx: AttackContext): Promise<void> {
  const head = (len: number): string =>
    `POST ${ctx.url.pathname} HTTP/1.1\r\nHost: ${ctx.url.host}\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n\r\n`;
  const trickle = (s: Socket, byte: string): NodeJS.Timeout => setInterval(() => s.write(byte), 2_000);
  const kinds: [string, (s: Socket) => NodeJS.Timeout | undefined][] = [
    ['6 slowloris body', (s) => (s.write(head(1_000)), trickle(s, ' '))],
    ['6 slowloris headers', (s) => (s.write(`POST ${ctx.url.pathname} HTTP/1.1\r\nX-Slow: `), trickle(s, 'a'))],
    ['6 idle socket', () => undefined],
  ];
  await Promise.all(
    kinds.map(([who, start]) =>
      repeat(ctx, who, { workers: 12, everyMs: 500 }, async () => {
        const s = open(ctx);
        const timer = start(s);
        const life = await lifetime(s, 120_000, ctx.stop);
        clearInterval(timer);
        if (ctx.stop.aborted) return;
        ctx.tally.add(who, life.closed ? `closed after ${durationLabel(life.ms)}: ${life.head || 'no answer'}` : 'open 120 s');
      }),
    ),
  );
}

/** Item 6: every 60 s, maxConnections + 64 idle sockets at once; how many are shut at once (over the cap). */
export async function overCap(ctx: AttackContext): Promise<void> {
  const who = '6 connections over the cap';
  await pause(5_000, ctx.stop);
  await repeat(ctx, who, { workers: 1, everyMs: 60_000 }, async () => {
    const n = ctx.maxConnections + 64;
    const lives = Array.from({ length: n }, () => lifetime(open(ctx), 30_000, ctx.stop));
    for (const life of await Promise.all(lives)) {
      if (!ctx.stop.aborted)
        ctx.tally.add(who, life.closed ? `closed after ${durationLabel(life.ms)}: ${life.head || 'no answer'}` : 'held 30 s (ours)');
    }
  });
}
