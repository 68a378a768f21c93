#!/usr/bin/env node
// `npm run bench`: starts the bench upstream and the gateway variants, drives each cell with a separate
// load-generator process, measures cold start and idle-session memory, prints and writes the results.
// See docs/benchmarks.md for the method and the meaning of every figure.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { detectPinning, installCleanup, killAllSync, pinSelf } from './lib/children.js';
import { parseArgs, USAGE } from './lib/cli.js';
import { measureColdStart, measureIdleSessions, type ColdStartResult, type IdleSessionResult } from './lib/extras.js';
import { errorText, log } from './lib/log.js';
import { runMatrix } from './lib/matrix.js';
import { cpuModel } from './lib/procfs.js';
import { markdown, summarize, type Row } from './lib/report.js';
import { gatewayAvailable, resolvePaths } from './lib/servers.js';

function gitCommit(root: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', timeout: 5_000 }).trim();
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench: ${errorText(e)}\n\n${USAGE}\n`);
    return 64;
  }
  if (parsed === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const opts = parsed;
  if (process.platform !== 'linux') {
    log('needs Linux (/proc for CPU and memory readings)');
    return 1;
  }
  installCleanup();
  const started = performance.now();
  const p = resolvePaths(opts.gateway);
  const notes: string[] = [];
  const cpuCount = cpus().length;
  const pin = detectPinning(opts.pin, cpuCount);
  if (!pin.enabled) log(`WARNING: no CPU pinning: ${pin.note}; load generator and servers share CPUs`);
  else if (!pinSelf(pin.loadgenCpu)) log('WARNING: could not pin the harness itself to CPU 0');
  if (pin.enabled && cpuCount > 2) notes.push(`${cpuCount} CPUs: only CPUs 0 and 1 are used by pinning.`);

  const haveGateway = gatewayAvailable(p);
  let variants = opts.variants;
  if (!haveGateway) {
    const skipped = variants.filter((v) => v !== 'direct');
    if (skipped.length > 0) {
      const msg = `gateway not available (${p.gatewayMain} missing; run npm run build): skipping ${skipped.join(', ')}, cold start and idle sessions`;
      log(msg);
      notes.push(msg);
    }
    variants = variants.filter((v) => v === 'direct');
  }
  const cellsPerVariant = opts.scenarios.length * opts.concurrency.length;
  // Every phase is bounded on its own; this is the backstop for the run as a whole.
  const budgetMs = variants.length * cellsPerVariant * (opts.warmupMs + opts.durationMs + 8_000) + 180_000;
  setTimeout(() => {
    log(`run exceeded its ${Math.round(budgetMs / 1000)} s budget, aborting`);
    killAllSync();
    process.exit(1);
  }, budgetMs).unref();

  const loadavg1AtStart = loadavg()[0]!;
  const settings = {
    timestamp: new Date().toISOString(),
    quick: opts.quick,
    warmupMs: opts.warmupMs,
    durationMs: opts.durationMs,
    variants,
    scenarios: opts.scenarios,
    concurrency: opts.concurrency,
    pinning: pin,
    nodeVersion: process.version,
    cpuModel: cpuModel(),
    cpuCount,
    loadAverageAtStart: loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
    gitCommit: gitCommit(p.root),
    gateway: haveGateway ? p.gatewayMain : null,
    protocol: 'legacy 2025-11-25 sessions (initialize + initialized), tools/call echo, SSE answers from the upstream',
    idleSessions: opts.idleSessions,
    coldRuns: opts.coldRuns,
    notes,
  };
  log(
    `${variants.length} variant(s) × ${cellsPerVariant} cell(s), ${opts.warmupMs / 1000} s warm-up + ${opts.durationMs / 1000} s each; ` +
      `${settings.cpuModel} ×${cpuCount}; pinning: ${pin.note}; load average ${settings.loadAverageAtStart}`,
  );

  const outDir = resolve(opts.outDir ?? join(p.root, 'bench/results'));
  mkdirSync(outDir, { recursive: true });
  const tmpDir = mkdtempSync(join(tmpdir(), 'breakwater-bench-'));
  process.on('exit', () => rmSync(tmpDir, { recursive: true, force: true })); // also on Ctrl-C and fatal errors
  const rows: Row[] = [];
  let cold: ColdStartResult | null = null;
  let idle: IdleSessionResult | null = null;
  let failures = 0;
  try {
    rows.push(...(await runMatrix(variants, opts, p, pin, tmpDir, outDir)));
    const gatewayRows = rows.filter((r) => r.variant !== 'direct');
    const gatewayNeverStarted = gatewayRows.length > 0 && gatewayRows.every((r) => r.error?.startsWith('start-up failed') === true);
    if (gatewayNeverStarted && opts.extras) notes.push('cold start and idle sessions skipped: the gateway did not start in any variant');
    if (opts.extras && haveGateway && gatewayRows.length > 0 && !gatewayNeverStarted) {
      const cpu = pin.enabled ? pin.serverCpu : undefined;
      try {
        log(`cold start: ${opts.coldRuns} run(s)`);
        cold = await measureColdStart(p, { runs: opts.coldRuns, cpu, tmpDir });
        log(`cold start: median ${cold.medianMs.toFixed(1)} ms (listening line at ${cold.medianListeningMs.toFixed(1)} ms)`);
      } catch (e) {
        failures++;
        log(`cold start FAILED: ${errorText(e)}`);
        notes.push(`cold start failed: ${errorText(e).split('\n')[0]}`);
      }
      try {
        log(`idle sessions: opening ${opts.idleSessions}`);
        idle = await measureIdleSessions(p, { sessions: opts.idleSessions, cpu, tmpDir });
        log(`idle sessions: ${idle.rssKbPerSession.toFixed(2)} KB RSS per session${idle.gcForced ? ' (after forced GC)' : ''}`);
        notes.push(idle.note);
      } catch (e) {
        failures++;
        log(`idle sessions FAILED: ${errorText(e)}`);
        notes.push(`idle-session measurement failed: ${errorText(e).split('\n')[0]}`);
      }
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }

  failures += rows.filter((r) => r.error !== undefined).length;
  const loadAtEnd = loadavg()[0]!;
  const loadAtStart = loadavg1AtStart;
  if (Math.max(loadAtStart, loadAtEnd) > cpuCount / 2) {
    const msg =
      `the machine was busy (1-min load average ${loadAtStart.toFixed(1)} at start, ${loadAtEnd.toFixed(1)} at end, ${cpuCount} CPUs): ` +
      'other processes competed for the pinned CPUs, so the figures are noisy; compare runs made on an idle machine.';
    log(`WARNING: ${msg}`);
    notes.push(msg);
  }
  const saturated = rows.filter((r) => (r.loadgenCpuPct ?? 0) >= 90);
  if (saturated.length > 0) {
    notes.push(
      `load generator at ≥ 90% of its CPU in ${saturated.length} cell(s) (${saturated.map((r) => `${r.variant} ${r.scenario} C${r.concurrency}`).join(', ')}): ` +
        'those calls/s are a floor set by the load generator, not the target.',
    );
  }
  const figures = summarize(rows, cold, idle);
  const md = markdown(settings, rows, figures);
  const json = {
    settings: { ...settings, elapsedMs: Math.round(performance.now() - started) },
    rows,
    summary: figures,
    coldStart: cold,
    idleSessions: idle,
  };
  writeFileSync(join(outDir, 'latest.json'), JSON.stringify(json, null, 2) + '\n');
  writeFileSync(join(outDir, 'latest.md'), md);
  process.stdout.write('\n' + md);
  log(`wrote ${join(outDir, 'latest.json')} and latest.md in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (failures > 0) {
    log(`${failures} part(s) of the run FAILED (see above)`);
    return 1;
  }
  if (opts.check && figures.some((f) => f.pass === false)) {
    log('--check: at least one figure misses its target');
    return 2;
  }
  return 0;
}

main().then(
  (code) => {
    killAllSync();
    process.exit(code);
  },
  (e: unknown) => {
    log(`fatal: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    killAllSync();
    process.exit(1);
  },
);
