// Rows, summary figures against the issue's targets, and the markdown/JSON outputs.
import type { Scenario, Variant } from './cli.js';
import type { ColdStartResult, IdleSessionResult } from './extras.js';
import { round } from './stats.js';

/** One measured cell (one variant × scenario × concurrency). */
export interface Row {
  variant: Variant;
  scenario: Scenario;
  concurrency: number;
  callsPerSec: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /** Gateway CPU (user + system, all threads) over the window ÷ calls; null for direct. */
  gatewayCpuMsPerCall: number | null;
  /** Gateway VmRSS at the end of the window; null for direct. */
  gatewayRssMb: number | null;
  /** Upstream CPU ÷ calls (the HTTP upstream, or the stdio upstream the gateway spawned). */
  upstreamCpuMsPerCall: number | null;
  /** Load generator's own CPU in % of one core: near 100 means the load generator, not the target, was the limit. */
  loadgenCpuPct: number | null;
  calls: number;
  errors: number;
  meanMs: number | null;
  maxMs: number | null;
  windowMs: number | null;
  /** Why the cell has no numbers (start-up failure, load generator failure). */
  error?: string;
}

/** A figure with its target. */
export interface Figure {
  name: string;
  value: number | null;
  unit: string;
  target: string;
  pass: boolean | null;
  detail?: string;
}

const TARGETS = {
  ratio: 0.6,
  /** The full reliability stack against pass-through (issue 3). */
  fullRatio: 0.9,
  /** Guards (schema validation + one SQL guard) against pass-through (issue 10). */
  guardedRatio: 0.9,
  /** Metrics + access log (tracing off) against pass-through, and with tracing at 100 % (issue 11). */
  observedRatio: 0.95,
  tracedRatio: 0.85,
  cpuMsPerCall: 0.15,
  addedP50Ms: 0.3,
  idleKb: 30,
  coldStartMs: 400,
};

const find = (rows: Row[], v: Variant, s: Scenario, c: number): Row | undefined =>
  rows.find((r) => r.variant === v && r.scenario === s && r.concurrency === c && r.error === undefined);

/** The headline figures, each next to its target (null value when the cell it needs was not run). */
export function summarize(rows: Row[], cold: ColdStartResult | null, idle: IdleSessionResult | null): Figure[] {
  const figures: Figure[] = [];
  const d16 = find(rows, 'direct', 'echo-100B', 16);
  const h16 = find(rows, 'http-http', 'echo-100B', 16);
  const ratio = d16?.callsPerSec && h16?.callsPerSec ? h16.callsPerSec / d16.callsPerSec : null;
  figures.push({
    name: 'HTTP→HTTP calls/s ÷ direct, echo-100B C16',
    value: round(ratio, 3),
    unit: '×',
    target: `≥ ${TARGETS.ratio}`,
    pass: ratio === null ? null : ratio >= TARGETS.ratio,
    ...(d16 && h16 ? { detail: `${h16.callsPerSec} vs ${d16.callsPerSec} calls/s` } : {}),
  });
  const f16 = find(rows, 'http-http-full', 'echo-100B', 16);
  const fullRatio = h16?.callsPerSec && f16?.callsPerSec ? f16.callsPerSec / h16.callsPerSec : null;
  figures.push({
    name: 'full reliability stack calls/s ÷ pass-through (http-http-full ÷ http-http), echo-100B C16',
    value: round(fullRatio, 3),
    unit: '×',
    target: `≥ ${TARGETS.fullRatio}`,
    pass: fullRatio === null ? null : fullRatio >= TARGETS.fullRatio,
    ...(h16 && f16 ? { detail: `${f16.callsPerSec} vs ${h16.callsPerSec} calls/s` } : {}),
  });
  const g16 = find(rows, 'http-http-guarded', 'echo-100B', 16);
  const guardedRatio = h16?.callsPerSec && g16?.callsPerSec ? g16.callsPerSec / h16.callsPerSec : null;
  figures.push({
    name: 'guarded calls/s ÷ pass-through (http-http-guarded ÷ http-http: schema validation + SQL guard), echo-100B C16',
    value: round(guardedRatio, 3),
    unit: '×',
    target: `≥ ${TARGETS.guardedRatio}`,
    pass: guardedRatio === null ? null : guardedRatio >= TARGETS.guardedRatio,
    ...(h16 && g16 ? { detail: `${g16.callsPerSec} vs ${h16.callsPerSec} calls/s` } : {}),
  });
  for (const [v, target, what] of [
    ['http-http-observed', TARGETS.observedRatio, 'metrics + access log'],
    ['http-http-traced', TARGETS.tracedRatio, 'metrics + access log + tracing at 100 %'],
  ] as const) {
    const o16 = find(rows, v, 'echo-100B', 16);
    const r = h16?.callsPerSec && o16?.callsPerSec ? o16.callsPerSec / h16.callsPerSec : null;
    figures.push({
      name: `observability calls/s ÷ pass-through (${v} ÷ http-http: ${what}), echo-100B C16`,
      value: round(r, 3),
      unit: '×',
      target: `≥ ${target}`,
      pass: r === null ? null : r >= target,
      ...(h16 && o16 ? { detail: `${o16.callsPerSec} vs ${h16.callsPerSec} calls/s` } : {}),
    });
  }
  for (const v of ['http-http', 'http-http-full', 'http-http-guarded', 'http-http-observed', 'http-http-traced', 'http-stdio'] as const) {
    const r = find(rows, v, 'echo-100B', 16);
    const cpu = r?.gatewayCpuMsPerCall ?? null;
    figures.push({
      name: `gateway CPU per call, ${v}, echo-100B C16`,
      value: round(cpu, 4),
      unit: 'ms',
      target: `≤ ${TARGETS.cpuMsPerCall}`,
      pass: cpu === null ? null : cpu <= TARGETS.cpuMsPerCall,
    });
  }
  const d1 = find(rows, 'direct', 'echo-100B', 1);
  for (const v of ['http-http', 'http-stdio'] as const) {
    const r = find(rows, v, 'echo-100B', 1);
    const added = d1?.p50Ms != null && r?.p50Ms != null ? r.p50Ms - d1.p50Ms : null;
    figures.push({
      name: `added p50 latency, ${v}, echo-100B C1`,
      value: round(added, 3),
      unit: 'ms',
      target: `≤ ${TARGETS.addedP50Ms}`,
      pass: added === null ? null : added <= TARGETS.addedP50Ms,
      ...(d1 && r ? { detail: `${r.p50Ms} − ${d1.p50Ms} ms` } : {}),
    });
  }
  figures.push({
    name: 'cold start to first tools/list (HTTP upstream)',
    value: round(cold?.medianMs, 1),
    unit: 'ms',
    target: `≤ ${TARGETS.coldStartMs}`,
    pass: cold ? cold.medianMs <= TARGETS.coldStartMs : null,
    ...(cold
      ? {
          detail: `median of ${cold.samples.length}: ${cold.samples.map((s) => s.firstToolsListMs.toFixed(0)).join(', ')} ms; "listening" line after ${cold.medianListeningMs.toFixed(0)} ms`,
        }
      : {}),
  });
  figures.push({
    name: 'memory per idle legacy session (gateway RSS)',
    value: round(idle?.rssKbPerSession, 2),
    unit: 'KB',
    target: `≤ ${TARGETS.idleKb}`,
    pass: idle ? idle.rssKbPerSession <= TARGETS.idleKb : null,
    ...(idle
      ? {
          detail:
            `${idle.sessions} sessions, RSS ${idle.points[0]!.rssMb.toFixed(1)} → ${idle.points[idle.points.length - 1]!.rssMb.toFixed(1)} MB ` +
            `(plain delta ${idle.rssDeltaKbPerSession.toFixed(1)} KB/session)` +
            (idle.heapKbPerSession !== null ? `, JS heap ${idle.heapKbPerSession.toFixed(2)} KB/session` : '') +
            `, upstream RSS ${idle.upstreamRssKbPerSession.toFixed(1)} KB/session` +
            (idle.gcForced ? ', after forced GC' : ', no forced GC'),
        }
      : {}),
  });
  return figures;
}

const fmt = (x: number | null | undefined, d: number): string => (x === null || x === undefined ? '–' : x.toFixed(d));

/** The markdown report: settings, one table of cells, one table of headline figures. */
export function markdown(settings: Record<string, unknown>, rows: Row[], figures: Figure[]): string {
  const out: string[] = [];
  out.push('# Breakwater benchmark', '');
  out.push(
    `${String(settings.timestamp)} · node ${String(settings.nodeVersion)} · ${String(settings.cpuModel)} ×${String(settings.cpuCount)} · ` +
      `warm-up ${Number(settings.warmupMs) / 1000} s + ${Number(settings.durationMs) / 1000} s per cell${settings.quick ? ' (quick)' : ''} · ` +
      `pinning: ${String((settings.pinning as { note: string }).note)} · load average at start ${String(settings.loadAverageAtStart)}`,
    '',
  );
  out.push(
    '| variant | scenario | C | calls/s | p50 ms | p95 ms | p99 ms | gw CPU ms/call | gw RSS MB | up CPU ms/call | loadgen CPU % | errors |',
  );
  out.push('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of rows) {
    if (r.error !== undefined) {
      out.push(
        `| ${r.variant} | ${r.scenario} | ${r.concurrency} | failed: ${r.error.split('\n')[0]!.replace(/\|/g, '/')} | | | | | | | | |`,
      );
      continue;
    }
    out.push(
      `| ${r.variant} | ${r.scenario} | ${r.concurrency} | ${fmt(r.callsPerSec, 0)} | ${fmt(r.p50Ms, 3)} | ${fmt(r.p95Ms, 3)} | ${fmt(r.p99Ms, 3)} | ` +
        `${fmt(r.gatewayCpuMsPerCall, 4)} | ${fmt(r.gatewayRssMb, 1)} | ${fmt(r.upstreamCpuMsPerCall, 4)} | ${fmt(r.loadgenCpuPct, 0)} | ${r.errors} |`,
    );
  }
  out.push('', '| figure | measured | target | verdict |', '|---|--:|--:|---|');
  for (const f of figures) {
    const verdict = f.pass === null ? 'not measured' : f.pass ? 'PASS' : 'FAIL';
    out.push(
      `| ${f.name} | ${f.value === null ? '–' : `${f.value} ${f.unit}`} | ${f.target} ${f.unit} | ${verdict}${f.detail ? ` (${f.detail})` : ''} |`,
    );
  }
  const notes = settings.notes as string[] | undefined;
  if (notes && notes.length > 0) out.push('', ...notes.map((n) => `- ${n}`));
  return out.join('\n') + '\n';
}
