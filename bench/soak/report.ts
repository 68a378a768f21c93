// The soak's result: the figures, the verdict, and the Markdown written next to the JSON.
import type { Histogram } from '../lib/histogram.js';

/** One RSS reading of the gateway. */
export interface RssSample {
  tS: number;
  phase: string;
  rssMb: number;
}

/** Latency figures of one phase (and target). */
export interface LatencyRow {
  key: string;
  calls: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Everything the soak measured. */
export interface SoakResult {
  startedAt: string;
  node: string;
  cpus: number;
  loadAvg: { start: number[]; attackStart: number[]; end: number[] };
  minutes: number;
  baselineS: number;
  limits: Record<string, number>;
  rss: {
    startMb: number;
    attackMinute1Mb: number;
    maxAfterMb: number;
    ratio: number;
    samples: RssSample[];
  };
  wellBehaved: { calls: number; errors: number; firstErrors: string[]; streamEvents: number; latency: LatencyRow[] };
  attacks: Record<string, Record<string, number>>;
  upstreamFacts: Record<string, unknown>;
  gatewayLog: Record<string, number>;
  readyz: { status: number; body: unknown };
  gatewayExit: string;
  pass: boolean;
  verdict: string[];
}

/** Rows for the histograms, baseline first. */
export function latencyRows(hist: Map<string, Histogram>): LatencyRow[] {
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  return [...hist]
    .sort(([a], [b]) => a.localeCompare(b))
    .sort(([a], [b]) => Number(a.startsWith('attack')) - Number(b.startsWith('attack')))
    .map(([key, h]) => ({ key, calls: h.count, p50Ms: r3(h.percentileMs(50)), p99Ms: r3(h.percentileMs(99)), maxMs: r3(h.maxMs()) }));
}

/** The Markdown report. */
export function soakMarkdown(r: SoakResult): string {
  const la = (x: number[]): string => x.map((v) => v.toFixed(2)).join(' / ');
  const lines = [
    `# Soak: ${r.pass ? 'PASS' : 'FAIL'}`,
    '',
    `${r.startedAt}, ${r.minutes} min (${r.baselineS} s baseline, then every attacker), Node ${r.node}, ${r.cpus} CPUs.`,
    `Load average (1/5/15 min): start ${la(r.loadAvg.start)}; attacks start ${la(r.loadAvg.attackStart)}; end ${la(r.loadAvg.end)}.`,
    `Soak limits: ${Object.entries(r.limits)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')} (everything else default).`,
    '',
    ...r.verdict.map((v) => `- ${v}`),
    '',
    '## Gateway RSS',
    '',
    `start ${r.rss.startMb.toFixed(1)} MB; minute 1 of the attack phase ${r.rss.attackMinute1Mb.toFixed(1)} MB; ` +
      `max after it ${r.rss.maxAfterMb.toFixed(1)} MB; ratio ${r.rss.ratio.toFixed(3)} (limit 1.5).`,
    '',
    'Samples (s: MB): ' + r.rss.samples.map((s) => `${s.tS}: ${s.rssMb.toFixed(0)}`).join(', '),
    '',
    '## Well-behaved clients',
    '',
    `${r.wellBehaved.calls} calls, ${r.wellBehaved.errors} errors; ${r.wellBehaved.streamEvents} events on their GET streams.`,
    '',
    '| phase / target | calls | p50 ms | p99 ms | max ms |',
    '|---|---:|---:|---:|---:|',
    ...r.wellBehaved.latency.map((l) => `| ${l.key} | ${l.calls} | ${l.p50Ms} | ${l.p99Ms} | ${l.maxMs} |`),
    '',
    ...(r.wellBehaved.firstErrors.length > 0 ? ['First errors:', '', ...r.wellBehaved.firstErrors.map((e) => `    ${e}`), ''] : []),
    '## What each attacker got back',
    '',
    '| attacker | outcome | count |',
    '|---|---|---:|',
    ...Object.entries(r.attacks).flatMap(([who, m]) => Object.entries(m).map(([o, n]) => `| ${who} | ${o.replace(/\|/g, '\\|')} | ${n} |`)),
    '',
    '## Upstreams, gateway log, readiness',
    '',
    '```json',
    JSON.stringify(r.upstreamFacts, null, 1),
    '```',
    '',
    'Gateway log lines by message (warn and above):',
    '',
    ...Object.entries(r.gatewayLog).map(([m, n]) => `- ${n} × ${m}`),
    '',
    `/readyz at the end: HTTP ${r.readyz.status}`,
    '',
    '```json',
    JSON.stringify(r.readyz.body, null, 1).slice(0, 4000),
    '```',
    '',
    `Gateway exit: ${r.gatewayExit}`,
    '',
  ];
  return lines.join('\n');
}
