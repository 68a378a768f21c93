import type { AlertsConfig } from '../../config/alerts-schema.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { Channels } from '../channels.js';
import { Evaluator } from './evaluator.js';
import { RULES, type Gauges } from './rules.js';
import { Signals } from './signals.js';

// The alert model (ADR 0026): built-in rules evaluated every `evaluateEveryMs` over channel-fed signals and
// sampled gauges; one Evaluator per (rule, subject); a transition is handed to the sinks exactly once.

/** One alert as sinks and GET /alerts see it. */
export interface Alert {
  /** Stable across fire and resolve: `rule:subject` (the de-duplication key). */
  readonly id: string;
  readonly rule: string;
  readonly subject: string;
  readonly severity: 'critical' | 'warning';
  readonly state: 'firing' | 'resolved';
  readonly value: number;
  readonly threshold: number;
  readonly summary: string;
  /** Wall-clock epoch ms of the transition. */
  readonly at: number;
}

/** Where transitions go (log, webhook, Slack, PagerDuty, or a test). */
export type AlertSink = (alert: Alert) => void;

/** The running engine. */
export interface AlertEngine {
  /** Evaluates every rule now (the timer calls it; tests call it directly). */
  evaluate(): void;
  /** Alerts currently firing. */
  active(): Alert[];
  /** Fired and resolved alerts, newest last, at most `historySize`. */
  history(): Alert[];
  readonly signals: Signals;
  stop(): void;
}

/** Options of createAlertEngine(). */
export interface AlertEngineOptions {
  readonly config: AlertsConfig;
  readonly clock: Clock;
  readonly channels?: Channels;
  readonly gauges?: Gauges;
  readonly sinks: readonly AlertSink[];
  /** Start the evaluation timer (off in unit tests, which call evaluate()). */
  readonly timer?: boolean;
}

/** Builds the engine, subscribes it to the channels and (with `timer`) starts evaluating. */
export function createAlertEngine(options: AlertEngineOptions): AlertEngine {
  const { config, clock } = options;
  const signals = new Signals(() => clock.now(), config.windowMs);
  const detach = options.channels ? signals.attach(options.channels) : () => {};
  const evaluators = new Map<string, Evaluator>();
  const firing = new Map<string, Alert>();
  const history: Alert[] = [];
  let handle: TimerHandle | undefined;
  let stopped = false;

  const emit = (alert: Alert): void => {
    history.push(alert);
    if (history.length > config.historySize) history.splice(0, history.length - config.historySize);
    for (const sink of options.sinks)
      try {
        sink(alert);
      } catch {
        // A failing sink must not stop the others or the evaluation; delivery reports its own failures.
      }
  };

  const evaluate = (): void => {
    const now = clock.now();
    for (const rule of RULES) {
      const tuning = config.rules[rule.name];
      if (!tuning.enabled) continue;
      for (const [subject, value] of rule.values(signals, options.gauges ?? {}, config.minCalls)) {
        const id = `${rule.name}:${subject}`;
        let ev = evaluators.get(id);
        if (!ev)
          evaluators.set(
            id,
            (ev = new Evaluator({
              ...tuning,
              direction: rule.direction,
              margin: config.hysteresis.margin,
              clearForMs: config.hysteresis.clearForMs,
            })),
          );
        const change = ev.observe(value, now);
        if (!change || value === undefined) continue;
        const state = change === 'fired' ? 'firing' : 'resolved';
        const word = rule.direction === 'above' ? 'above' : 'below';
        const alert: Alert = {
          id,
          rule: rule.name,
          subject,
          severity: rule.severity,
          state,
          value,
          threshold: tuning.threshold,
          summary: `${rule.name} ${state === 'firing' ? word : 'back from'} ${tuning.threshold}${rule.unit} on ${subject} (value ${round(value)}${rule.unit})`,
          at: clock.wallNow(),
        };
        if (state === 'firing') firing.set(id, alert);
        else firing.delete(id);
        emit(alert);
      }
    }
  };

  const schedule = (): void => {
    if (stopped) return;
    handle = clock.setTimeout(() => {
      evaluate();
      schedule();
    }, config.evaluateEveryMs);
    handle.unref?.();
  };
  if (options.timer) schedule();

  return {
    evaluate,
    active: () => [...firing.values()],
    history: () => [...history],
    signals,
    stop() {
      stopped = true;
      if (handle) clock.clearTimeout(handle);
      detach();
    },
  };
}

const round = (v: number): number => Math.round(v * 1000) / 1000;
