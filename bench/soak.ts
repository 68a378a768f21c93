// `npm run soak`: the 10-minute soak of issue 6. Well-behaved clients call echo through the gateway for the
// whole run; after a baseline every attacker of items 1–11 runs beside them, bounded, on 127.0.0.1. Passes
// when the well-behaved clients saw no error and the gateway's RSS stayed within 1.5× its value at minute 1
// of the attack phase. Writes bench/results/soak-latest.{md,json}. Not run in CI.
import { setMaxListeners } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool, request } from 'undici';
import { installCleanup, stopChild } from './lib/children.js';
import { rssMb } from './lib/procfs.js';
import { type AttackContext } from './soak/attack-kit.js';
import { deepArguments, deepResults, hugeInitialize, originFlood, sessionFlood, streamsDeleted } from './soak/attacks-http.js';
import { nonReaders, overCap, slowloris } from './soak/attacks-sockets.js';
import { runWellBehaved, WellBehaved } from './soak/clients.js';
import { parseSoakArgs, SOAK_USAGE, type SoakOptions } from './soak/options.js';
import { latencyRows, soakMarkdown, type RssSample, type SoakResult } from './soak/report.js';
import { SOAK_LIMITS, soakConfig, soakPaths, startGet404, startHttpMock, startSoakGateway } from './soak/setup.js';
import { openLegacy, post, Tally } from './soak/wire.js';

const RSS_EVERY_MS = 5_000;
const log = (s: string): void => void process.stderr.write(`soak: ${s}\n`);

async function main(): Promise<number> {
  let opts: SoakOptions | 'help';
  try {
    opts = parseSoakArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${SOAK_USAGE}\n`);
    return 2;
  }
  if (opts === 'help') return (void process.stdout.write(`${SOAK_USAGE}\n`), 0);
  installCleanup();
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const paths = soakPaths(root);
  const outDir = resolve(opts.outDir ?? join(root, 'bench/results'));
  const tmp = mkdtempSync(join(tmpdir(), 'breakwater-soak-'));
  const loadStart = loadavg();
  const startedAt = new Date().toISOString();

  const httpMock = await startHttpMock(paths);
  const get404 = await startGet404(paths);
  const gw = await startSoakGateway(paths, tmp, soakConfig(paths, tmp, httpMock.url, get404.url));
  const url = new URL(gw.url);
  log(`gateway ${gw.url} (pid ${gw.child.pid}); ${opts.totalMs / 60_000} min, baseline ${opts.baselineMs / 1000} s`);
  const gatewayLog = countLogLines(gw.child.lines);
  await waitReady(url);

  const t0 = Date.now();
  const samples: RssSample[] = [];
  const wb = new WellBehaved();
  const sample = (): void => {
    const mb = rssMb(gw.child.pid);
    if (mb !== undefined) samples.push({ tS: Math.round((Date.now() - t0) / 1000), phase: wb.phase, rssMb: mb });
  };
  sample();
  const sampler = setInterval(sample, RSS_EVERY_MS);
  const stopClients = new AbortController();
  const clients = runWellBehaved(url, { legacy: 8, modern: 4, streams: 2 }, wb, stopClients.signal);

  await sleep(opts.baselineMs);
  const loadAttack = loadavg();
  wb.phase = 'attack';
  const attackT0 = Date.now();
  log(`attack phase: ${(opts.totalMs - opts.baselineMs) / 1000} s`);
  const stopAttacks = new AbortController();
  setMaxListeners(0, stopAttacks.signal); // every held socket waits on it
  const tally = new Tally();
  const ctx: AttackContext = {
    url,
    tally,
    stop: stopAttacks.signal,
    maxConnections: SOAK_LIMITS.maxConnections,
    maxBodyBytes: SOAK_LIMITS.maxBodyBytes,
  };
  const attackers = Promise.all([
    deepArguments(ctx, 'mock__echo'),
    deepArguments(ctx, 'http__echo'),
    hugeInitialize(ctx),
    nonReaders(ctx, 'mock__stream', {}, 4),
    nonReaders(ctx, 'raw__progress', { count: 80_000 }, 1),
    deepResults(ctx),
    slowloris(ctx),
    overCap(ctx),
    originFlood(ctx),
    sessionFlood(ctx),
    streamsDeleted(ctx),
  ]);
  const progress = setInterval(
    () =>
      log(`${Math.round((Date.now() - t0) / 1000)} s: ${wb.calls} calls, ${wb.errors} errors, RSS ${samples.at(-1)?.rssMb.toFixed(0)} MB`),
    30_000,
  );
  await sleep(opts.totalMs - opts.baselineMs);
  stopAttacks.abort();
  stopClients.abort();
  await Promise.race([Promise.all([attackers, clients]), sleep(30_000)]);
  clearInterval(progress);
  clearInterval(sampler);
  sample();
  const loadEnd = loadavg();

  const readyz = await fetchJson(url, '/readyz');
  const upstreamFacts = { 'get404 (RAW_GET=404) /_stats': await fetchStats(get404.url) };
  await stopChild(gw.child, 15_000);
  const exit = await gw.child.exited;
  await Promise.all([stopChild(httpMock.child), stopChild(get404.child)]);
  rmSync(tmp, { recursive: true, force: true });

  const minute1 = attackT0 - t0 + 60_000;
  const at1 = samples.find((s) => s.tS * 1000 >= minute1) ?? samples.at(-1)!;
  const after = samples.filter((s) => s.tS >= at1.tS);
  const maxAfter = Math.max(...after.map((s) => s.rssMb));
  const ratio = maxAfter / at1.rssMb;
  const verdict = [
    `RSS ratio ${ratio.toFixed(3)} ${ratio <= 1.5 ? '≤' : '>'} 1.5`,
    `well-behaved errors: ${wb.errors}`,
    ...(wb.calls === 0 ? ['no well-behaved call completed'] : []),
  ];
  const result: SoakResult = {
    startedAt,
    node: process.version,
    cpus: cpus().length,
    loadAvg: { start: loadStart, attackStart: loadAttack, end: loadEnd },
    minutes: opts.totalMs / 60_000,
    baselineS: opts.baselineMs / 1000,
    limits: { ...SOAK_LIMITS },
    rss: { startMb: samples[0]!.rssMb, attackMinute1Mb: at1.rssMb, maxAfterMb: maxAfter, ratio, samples },
    wellBehaved: {
      calls: wb.calls,
      errors: wb.errors,
      firstErrors: wb.firstErrors,
      streamEvents: wb.streamEvents,
      latency: latencyRows(wb.hist),
    },
    attacks: tally.toJSON(),
    upstreamFacts,
    gatewayLog: Object.fromEntries([...gatewayLog].sort((a, b) => b[1] - a[1])),
    readyz,
    gatewayExit: `code ${exit.code}, signal ${exit.signal}`,
    pass: ratio <= 1.5 && wb.errors === 0 && wb.calls > 0,
    verdict,
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'soak-latest.json'), JSON.stringify(result, null, 1) + '\n');
  const md = soakMarkdown(result);
  writeFileSync(join(outDir, 'soak-latest.md'), md);
  process.stdout.write(md);
  log(`wrote ${join(outDir, 'soak-latest.md')}`);
  return result.pass ? 0 : 1;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Counts the gateway's JSON log lines by message (the gateway runs at level warn). */
function countLogLines(lines: NodeJS.EventEmitter): Map<string, number> {
  const counts = new Map<string, number>();
  const onLine = (line: string): void => {
    if (!line.startsWith('{')) return;
    try {
      const msg = String((JSON.parse(line) as { msg?: unknown }).msg ?? '?').slice(0, 120);
      counts.set(msg, (counts.get(msg) ?? 0) + 1);
    } catch {
      // not a log line
    }
  };
  lines.on('stdout', onLine);
  lines.on('stderr', onLine);
  return counts;
}

/** Polls /readyz until every well-behaved target is listed (at most 60 s); the soak measures a ready gateway. */
async function waitReady(url: URL): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await fetchJson(url, '/readyz');
    if (JSON.stringify(r.body).includes('mock') && JSON.stringify(r.body).includes('http')) {
      // The lists load in the background; one successful call per target is the real readiness.
      const pool = new Pool(url.origin, { connections: 1 });
      try {
        const h = await openLegacy(pool, url.pathname, 'soak-ready');
        const ok = await Promise.all(
          ['mock__echo', 'http__echo'].map(async (name, i) => {
            const body = JSON.stringify({ jsonrpc: '2.0', id: i + 1, method: 'tools/call', params: { name, arguments: { text: 'x' } } });
            const a = await post(pool, url.pathname, h, body);
            return a.status === 200 && a.text.includes('"result"');
          }),
        );
        if (ok.every(Boolean)) return;
      } catch {
        // not yet
      } finally {
        await pool.destroy();
      }
    }
    if (Date.now() > deadline) throw new Error(`gateway not ready within 60 s: ${JSON.stringify(r.body).slice(0, 500)}`);
    await sleep(500);
  }
}

async function fetchJson(url: URL, path: string): Promise<{ status: number; body: unknown }> {
  try {
    const res = await request(new URL(path, url.origin), { headersTimeout: 10_000, bodyTimeout: 10_000 });
    const text = await res.body.text();
    try {
      return { status: res.statusCode, body: JSON.parse(text) as unknown };
    } catch {
      return { status: res.statusCode, body: text.slice(0, 2000) };
    }
  } catch (e) {
    return { status: 0, body: (e as Error).message };
  }
}

async function fetchStats(mcpUrl: string): Promise<unknown> {
  const u = new URL(mcpUrl);
  const r = await fetchJson(u, '/_stats');
  if (typeof r.body !== 'object' || r.body === null) return r.body;
  const { seen: _seen, ...rest } = r.body as Record<string, unknown>;
  return rest;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`soak: fatal: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
