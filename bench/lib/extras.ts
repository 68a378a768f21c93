// The figures that are not load cells: gateway cold start and memory per idle legacy session.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { stopChild } from './children.js';
import { connectInspector, type Inspector } from './inspector.js';
import { McpSession } from './mcp-http.js';
import { rssMb } from './procfs.js';
import { startGateway, startHttpUpstream, type Paths } from './servers.js';
import { median, medianIncrement } from './stats.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One cold start: spawn → "listening" line → first tools/list through the gateway that lists echo. */
export interface ColdStartSample {
  listeningMs: number;
  firstToolsListMs: number;
}

/** Cold start figures: the median of `runs` samples, each with a fresh gateway (the upstream is already up). */
export interface ColdStartResult {
  medianMs: number;
  medianListeningMs: number;
  samples: ColdStartSample[];
}

/** Measures gateway cold start `runs` times against one already-running HTTP upstream. */
export async function measureColdStart(
  p: Paths,
  opts: { runs: number; cpu: number | undefined; tmpDir: string },
): Promise<ColdStartResult> {
  const upstream = await startHttpUpstream(p, opts.cpu);
  const samples: ColdStartSample[] = [];
  try {
    for (let i = 0; i < opts.runs; i++) {
      const t0 = performance.now();
      const gw = await startGateway(p, { url: upstream.url }, { cpu: opts.cpu, tmpDir: opts.tmpDir, name: `cold-${i}` });
      const listeningMs = performance.now() - t0;
      const url = new URL(gw.url);
      const pool = new Pool(url.origin, { connections: 1, headersTimeout: 10_000, bodyTimeout: 10_000 });
      try {
        const deadline = t0 + 15_000;
        let lastError = '';
        for (;;) {
          try {
            const s = new McpSession(pool, url.pathname);
            await s.open('bench-cold-start');
            const r = (await s.request('tools/list')) as { tools?: { name?: string }[] };
            if (r.tools?.some((t) => t.name === 'echo')) break;
            lastError = `tools/list did not include echo: ${JSON.stringify(r).slice(0, 200)}`;
          } catch (e) {
            lastError = (e as Error).message;
          }
          if (performance.now() > deadline) throw new Error(`cold start: no successful tools/list within 15 s; last: ${lastError}`);
          await sleep(5);
        }
        samples.push({ listeningMs, firstToolsListMs: performance.now() - t0 });
      } finally {
        await pool.destroy();
        await stopChild(gw.child);
      }
    }
  } finally {
    await stopChild(upstream.child);
  }
  return {
    medianMs: median(samples.map((s) => s.firstToolsListMs)),
    medianListeningMs: median(samples.map((s) => s.listeningMs)),
    samples,
  };
}

/** One reading of the idle-session measurement. */
export interface IdlePoint {
  sessions: number;
  rssMb: number;
  heapUsedMb: number | null;
  upstreamRssMb: number;
}

/** Memory per idle legacy session on the gateway. */
export interface IdleSessionResult {
  sessions: number;
  /** Gateway RSS growth per session, KB: median over the batches of (RSS growth ÷ sessions added) (primary figure). */
  rssKbPerSession: number;
  /** (last RSS − first RSS) ÷ sessions, KB: the plain before/after figure. */
  rssDeltaKbPerSession: number;
  /** JS heap growth per session, KB (same estimator; null when the inspector was unavailable). */
  heapKbPerSession: number | null;
  /** Upstream RSS growth per gateway session, KB: what the gateway's per-session upstream state costs there. */
  upstreamRssKbPerSession: number;
  gcForced: boolean;
  points: IdlePoint[];
  note: string;
}

const IDLE_BATCHES = 5;

/**
 * Opens n sessions (initialize + initialized, no calls) in IDLE_BATCHES batches and reads the gateway's memory
 * after each batch (after a forced GC through the inspector when possible, then the median of a few samples).
 * RSS moves in multi-megabyte steps as the allocator takes or gives back pages (a one-off drop of ~9 MB is common),
 * so the per-session figure is the median over the batches of growth per session added, not one before/after
 * difference; the plain before/after figure is reported next to it.
 */
export async function measureIdleSessions(
  p: Paths,
  opts: { sessions: number; cpu: number | undefined; tmpDir: string },
): Promise<IdleSessionResult> {
  const upstream = await startHttpUpstream(p, opts.cpu);
  let inspector: Inspector | undefined;
  let note = '';
  try {
    const gw = await startGateway(p, { url: upstream.url }, { cpu: opts.cpu, tmpDir: opts.tmpDir, name: 'idle', inspect: true });
    const url = new URL(gw.url);
    const pool = new Pool(url.origin, { connections: 16, headersTimeout: 15_000, bodyTimeout: 15_000 });
    try {
      try {
        inspector = await connectInspector(gw.inspectorUrl!);
      } catch (e) {
        note = `no forced GC (${(e as Error).message}); `;
      }
      const read = async (sessions: number): Promise<IdlePoint> => {
        let prev = NaN;
        let rss = NaN;
        let up = NaN;
        // Until two consecutive medians agree within 0.25 MB (at most 4 rounds).
        for (let round = 0; round < 4; round++) {
          await sleep(150);
          if (inspector) {
            await inspector.collectGarbage();
            await inspector.collectGarbage();
          }
          const rs: number[] = [];
          const us: number[] = [];
          for (let i = 0; i < 3; i++) {
            await sleep(50);
            rs.push(rssMb(gw.child.pid) ?? NaN);
            us.push(rssMb(upstream.child.pid) ?? NaN);
          }
          rss = median(rs);
          up = median(us);
          if (Math.abs(rss - prev) < 0.25) break;
          prev = rss;
        }
        const heap = inspector ? (await inspector.heapUsedBytes()) / 1048576 : null;
        return { sessions, rssMb: rss, heapUsedMb: heap, upstreamRssMb: up };
      };
      // Warm the gateway (JIT, upstream connection, lazy init) with sessions that stay open in the baseline.
      const warm = await openSessions(pool, url.pathname, 16);
      await Promise.all(warm.map((s) => s.request('tools/list')));
      const points: IdlePoint[] = [await read(0)];
      const n = opts.sessions;
      for (let b = 1; b <= IDLE_BATCHES; b++) {
        const upTo = Math.round((n * b) / IDLE_BATCHES);
        await openSessions(pool, url.pathname, upTo - points[points.length - 1]!.sessions);
        points.push(await read(upTo));
      }
      const slopeKb = (y: (pt: IdlePoint) => number | null): number =>
        medianIncrement(points.map((pt) => ({ x: pt.sessions, y: y(pt) ?? NaN }))) * 1024;
      const first = points[0]!;
      const last = points[points.length - 1]!;
      return {
        sessions: n,
        rssKbPerSession: slopeKb((pt) => pt.rssMb),
        rssDeltaKbPerSession: ((last.rssMb - first.rssMb) * 1024) / n,
        heapKbPerSession: inspector ? slopeKb((pt) => pt.heapUsedMb) : null,
        upstreamRssKbPerSession: slopeKb((pt) => pt.upstreamRssMb),
        gcForced: inspector !== undefined,
        points,
        note:
          note +
          `idle sessions: ${n} opened with initialize + notifications/initialized (no calls) in ${IDLE_BATCHES} batches; ` +
          `gateway RSS read after each batch${inspector ? ' after a forced GC (gateway started with --inspect)' : ''}; ` +
          'figure = median over batches of RSS growth per session added.',
      };
    } finally {
      inspector?.close();
      await pool.destroy();
      await stopChild(gw.child);
    }
  } finally {
    await stopChild(upstream.child);
  }
}

async function openSessions(pool: Pool, path: string, n: number): Promise<McpSession[]> {
  const sessions = Array.from({ length: n }, () => new McpSession(pool, path));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await sessions[next++]!.open('bench-idle');
  };
  const all = Promise.all(Array.from({ length: 16 }, worker));
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`opening ${n} sessions took longer than 60 s`)), 60_000);
  });
  try {
    await Promise.race([all, limit]);
  } finally {
    clearTimeout(timer);
  }
  return sessions;
}
