import type { AlertsConfig } from '../../config/alerts-schema.js';
import type { Direction } from './evaluator.js';
import type { Signals } from './signals.js';

/** Gauges sampled at each evaluation (process and audit); absent ones leave their rules silent. */
export interface Gauges {
  /** Fraction of the memory available to the process in use. */
  memory?(): number | undefined;
  /** Fraction of the available cores used since the last sample. */
  cpu?(): number | undefined;
  /** Audit write failures in the window. */
  auditFailures?(): number | undefined;
}

/** A built-in rule: its name, severity, direction and how to read its value per subject. */
export interface RuleDef {
  readonly name: keyof AlertsConfig['rules'];
  readonly severity: 'critical' | 'warning';
  readonly direction: Direction;
  readonly unit: string;
  /** Value per subject (an upstream, or `process`); `undefined` means no data yet. */
  values(signals: Signals, gauges: Gauges, minCalls: number): Map<string, number | undefined>;
}

const perUpstream =
  (read: (signals: Signals, upstream: string, minCalls: number) => number | undefined) =>
  (signals: Signals, _gauges: Gauges, minCalls: number): Map<string, number | undefined> =>
    new Map([...signals.upstreams()].map((u) => [u, read(signals, u, minCalls)]));

const anyIn = (map: Map<string, Map<number, string>>, upstream: string, states: readonly string[]): number | undefined => {
  const replicas = map.get(upstream);
  if (!replicas) return undefined;
  return [...replicas.values()].some((s) => states.includes(s)) ? 1 : 0;
};

const allIn = (map: Map<string, Map<number, string>>, upstream: string, states: readonly string[]): number | undefined => {
  const replicas = map.get(upstream);
  if (!replicas || replicas.size === 0) return undefined;
  return [...replicas.values()].every((s) => states.includes(s)) ? 1 : 0;
};

const gauge = (read: (g: Gauges) => number | undefined) => (_s: Signals, g: Gauges) => new Map([['process', read(g)]]);

/** The built-in rules, in the order they are evaluated. */
export const RULES: readonly RuleDef[] = [
  {
    name: 'breakerOpen',
    severity: 'critical',
    direction: 'above',
    unit: '',
    values: perUpstream((s, u) => anyIn(s.breakers, u, ['open'])),
  },
  { name: 'errorRate', severity: 'warning', direction: 'above', unit: '/min', values: perUpstream((s, u) => s.figures(u).errorsPerMinute) },
  {
    name: 'successRate',
    severity: 'warning',
    direction: 'below',
    unit: '',
    values: perUpstream((s, u, min) => {
      const f = s.figures(u);
      return f.calls >= min ? f.successRate : undefined;
    }),
  },
  {
    name: 'p95Latency',
    severity: 'warning',
    direction: 'above',
    unit: 'ms',
    values: perUpstream((s, u, min) => {
      const f = s.figures(u);
      return f.calls >= min ? f.p95Ms : undefined;
    }),
  },
  // Down when every replica is down (one down replica among healthy ones is the breaker's business).
  {
    name: 'upstreamDown',
    severity: 'critical',
    direction: 'above',
    unit: '',
    values: perUpstream((s, u) => allIn(s.states, u, ['down', 'closed'])),
  },
  { name: 'crashLoop', severity: 'critical', direction: 'above', unit: ' exits', values: perUpstream((s, u) => s.exits(u)) },
  { name: 'memory', severity: 'warning', direction: 'above', unit: '', values: gauge((g) => g.memory?.()) },
  { name: 'cpu', severity: 'warning', direction: 'above', unit: '', values: gauge((g) => g.cpu?.()) },
  { name: 'auditFailing', severity: 'critical', direction: 'above', unit: ' failures', values: gauge((g) => g.auditFailures?.()) },
];
