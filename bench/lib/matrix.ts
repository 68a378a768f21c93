// The cell matrix: start every variant, run each scenario × concurrency against each variant, collect rows.
import { join } from 'node:path';
import { lastWords, stopChild, type Child, type Pinning } from './children.js';
import { SCENARIOS, type BenchOptions, type Scenario, type Variant } from './cli.js';
import { errorText, log } from './log.js';
import type { Row } from './report.js';
import { runLoadCell, startGateway, startHttpUpstream, type GatewayStack, type Paths, type Server } from './servers.js';
import { round } from './stats.js';
import { traceSink } from './trace-sink.js';

const SETUP_TIMEOUT_MS = 15_000;

/** The gateway stack each gateway variant runs (pass-through when absent). */
const STACKS: Partial<Record<Variant, GatewayStack>> = {
  'http-http-full': 'full',
  'http-http-guarded': 'guarded',
  'http-http-observed': 'observed',
  'http-http-traced': 'traced',
};

/** What a variant needs running: the target URL, the pids to measure, and whether it is still alive. */
interface Target {
  url: string;
  gatewayPid?: number;
  upstreamPid?: number;
  upstreamParentPid?: number;
  /** Why the target can no longer serve (a process it needs exited), or null while it is fine. */
  dead(): string | null;
}

function deathOf(children: Child[]): () => string | null {
  return () => {
    const gone = children.find((c) => c.exitedYet);
    return gone ? `${gone.name} exited during the run\n${lastWords(gone)}` : null;
  };
}

/**
 * Starts every selected variant up front, sharing one HTTP upstream between direct, http-http and
 * http-http-full (whose two replicas are that same upstream twice), so that
 * the cells can be interleaved (each scenario × concurrency runs every variant back to back) and a change
 * in the machine's background load during the run hits all variants alike.
 */
async function startTargets(
  variants: Variant[],
  p: Paths,
  pin: Pinning,
  tmpDir: string,
  profileDir: string | undefined,
  started: Child[],
): Promise<Map<Variant, Target | Error>> {
  const cpu = pin.enabled ? pin.serverCpu : undefined;
  const targets = new Map<Variant, Target | Error>();
  let upstream: Server | Error | undefined;
  if (variants.some((v) => v !== 'http-stdio')) {
    try {
      upstream = await startHttpUpstream(p, cpu);
      started.push(upstream.child);
      log(`upstream: serving at ${upstream.url}`);
    } catch (e) {
      upstream = e instanceof Error ? e : new Error(String(e));
      log(`upstream: could not start: ${upstream.message}`);
    }
  }
  for (const v of variants) {
    try {
      if (v === 'http-stdio') {
        const gw = await startGateway(p, { stdio: true }, { cpu, tmpDir, name: v, profileDir });
        started.push(gw.child);
        targets.set(v, { url: gw.url, gatewayPid: gw.child.pid, upstreamParentPid: gw.child.pid, dead: deathOf([gw.child]) });
      } else {
        if (upstream === undefined || upstream instanceof Error) throw new Error(`the bench upstream did not start: ${upstream?.message}`);
        if (v === 'direct') {
          targets.set(v, { url: upstream.url, upstreamPid: upstream.child.pid, dead: deathOf([upstream.child]) });
        } else {
          const stack = STACKS[v] ?? 'pass-through';
          const traceEndpoint = stack === 'traced' ? await traceSink() : undefined;
          const gw = await startGateway(
            p,
            { url: upstream.url },
            { cpu, tmpDir, name: v, profileDir, stack, ...(traceEndpoint && { traceEndpoint }) },
          );
          started.push(gw.child);
          targets.set(v, {
            url: gw.url,
            gatewayPid: gw.child.pid,
            upstreamPid: upstream.child.pid,
            dead: deathOf([gw.child, upstream.child]),
          });
        }
      }
      log(`${v}: serving at ${(targets.get(v) as Target).url}`);
    } catch (e) {
      log(`${v}: could not start: ${errorText(e)}`);
      targets.set(v, new Error(`start-up failed: ${errorText(e)}`));
    }
  }
  return targets;
}

function failedRow(variant: Variant, scenario: Scenario, concurrency: number, error: string): Row {
  return {
    variant,
    scenario,
    concurrency,
    callsPerSec: null,
    p50Ms: null,
    p95Ms: null,
    p99Ms: null,
    gatewayCpuMsPerCall: null,
    gatewayRssMb: null,
    upstreamCpuMsPerCall: null,
    loadgenCpuPct: null,
    calls: 0,
    errors: 0,
    meanMs: null,
    maxMs: null,
    windowMs: null,
    error,
  };
}

async function runCell(
  v: Variant,
  scenario: Scenario,
  concurrency: number,
  target: Target,
  opts: BenchOptions,
  p: Paths,
  pin: Pinning,
): Promise<Row> {
  const label = `${v} ${scenario} C${concurrency}`;
  const dead = target.dead();
  if (dead !== null) return failedRow(v, scenario, concurrency, dead);
  try {
    const r = await runLoadCell(
      p,
      {
        url: target.url,
        concurrency,
        payloadBytes: SCENARIOS[scenario],
        ...(v === 'http-http-guarded' ? { sqlPayload: true } : {}),
        warmupMs: opts.warmupMs,
        durationMs: opts.durationMs,
        setupTimeoutMs: SETUP_TIMEOUT_MS,
        ...(target.gatewayPid !== undefined ? { gatewayPid: target.gatewayPid } : {}),
        ...(target.upstreamPid !== undefined ? { upstreamPid: target.upstreamPid } : {}),
        ...(target.upstreamParentPid !== undefined ? { upstreamParentPid: target.upstreamParentPid } : {}),
      },
      pin.enabled ? pin.loadgenCpu : undefined,
    );
    const perCall = (ms: number | null): number | null => (ms === null || r.calls === 0 ? null : round(ms / r.calls, 4));
    const row: Row = {
      variant: v,
      scenario,
      concurrency,
      callsPerSec: round(r.callsPerSec, 1),
      p50Ms: round(r.p50Ms, 3),
      p95Ms: round(r.p95Ms, 3),
      p99Ms: round(r.p99Ms, 3),
      gatewayCpuMsPerCall: perCall(r.gatewayCpuMs),
      gatewayRssMb: round(r.gatewayRssMb, 1),
      upstreamCpuMsPerCall: perCall(r.upstreamCpuMs),
      loadgenCpuPct: round(r.loadgenCpuPct, 1),
      calls: r.calls,
      errors: r.errors,
      meanMs: round(r.meanMs, 3),
      maxMs: round(r.maxMs, 3),
      windowMs: round(r.windowMs, 1),
    };
    if (r.errors > 0) log(`${label}: ${r.errors} failed calls, first: ${r.firstError ?? '?'}`);
    if (r.calls === 0) row.error = `no successful call; first error: ${r.firstError ?? '?'}`;
    log(
      `${label.padEnd(24)} ${String(row.callsPerSec).padStart(8)} calls/s  p50 ${row.p50Ms} ms  p99 ${row.p99Ms} ms` +
        (row.gatewayCpuMsPerCall !== null ? `  gw CPU ${row.gatewayCpuMsPerCall} ms/call` : '') +
        `  loadgen ${row.loadgenCpuPct}%`,
    );
    return row;
  } catch (e) {
    const why = target.dead() ?? errorText(e);
    log(`${label}: FAILED: ${why}`);
    return failedRow(v, scenario, concurrency, why);
  }
}

/** Runs the cell matrix, interleaved: for each scenario and concurrency, every variant in turn. */
export async function runMatrix(
  variants: Variant[],
  opts: BenchOptions,
  p: Paths,
  pin: Pinning,
  tmpDir: string,
  outDir: string,
): Promise<Row[]> {
  const started: Child[] = [];
  const rows: Row[] = [];
  try {
    const profileDir = opts.profile ? join(outDir, 'profiles') : undefined;
    const targets = await startTargets(variants, p, pin, tmpDir, profileDir, started);
    for (const scenario of opts.scenarios) {
      for (const concurrency of opts.concurrency) {
        for (const v of variants) {
          const t = targets.get(v)!;
          rows.push(
            t instanceof Error ? failedRow(v, scenario, concurrency, t.message) : await runCell(v, scenario, concurrency, t, opts, p, pin),
          );
        }
      }
    }
  } finally {
    for (const c of started.reverse()) await stopChild(c);
  }
  const order = (r: Row): number => variants.indexOf(r.variant) * 1e6 + opts.scenarios.indexOf(r.scenario) * 1e4 + r.concurrency;
  return rows.sort((a, b) => order(a) - order(b));
}
