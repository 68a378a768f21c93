import { storagePath, type BreakwaterConfig } from '../config/index.js';
import type { Logger } from '../core/index.js';
import type { Channel, GuardDecisionEvent } from '../observability/index.js';
import { ToolPinning, type PinEvent, type PinningRules, type PinStore } from '../policies/pinning/index.js';
import type { Aggregator } from '../router/index.js';
import { SqlitePinStore } from '../store/sqlite/sqlite-pin-store.js';

/** Pinning as one gateway runs it: the verdicts, their store, and whether the gateway owns (closes) the store. */
export interface PinningSetup {
  readonly pinning: ToolPinning;
  readonly store: PinStore;
  readonly owned: boolean;
}

/** The rules for one upstream: the section's defaults with its override merged; undefined when off there. */
export function pinningRules(config: BreakwaterConfig, upstream: string): PinningRules | undefined {
  const section = config.pinning;
  const own = section.upstreams[upstream] ?? {};
  if (!(own.enabled ?? section.enabled)) return undefined;
  return {
    onChange: own.onChange ?? section.onChange,
    newTools: own.newTools ?? section.newTools,
    poisoning: own.poisoning ?? section.poisoning,
  };
}

/** True when any upstream is pinned. */
export function pinningWanted(config: BreakwaterConfig): boolean {
  return Object.keys(config.upstreams).some((name) => pinningRules(config, name) !== undefined);
}

/**
 * Opens the pin store (`storage.dir`/pins.db unless one is given) and the pinning verdicts; undefined when
 * pinning is off. Every recorded change is published on the `guard` channel (guard `pin`, no request id:
 * it is decided at list time), where audit, metrics and alerts subscribe.
 */
export function createPinning(
  config: BreakwaterConfig,
  configFile: string,
  log: Logger,
  store?: PinStore,
  guardChannel?: Pick<Channel<GuardDecisionEvent>, 'active' | 'publish'>,
): PinningSetup | undefined {
  if (!pinningWanted(config)) return undefined;
  const owned = store === undefined;
  const pins = store ?? new SqlitePinStore(storagePath(config, configFile, 'pins.db'));
  const publish = (e: PinEvent) => {
    if (!guardChannel?.active) return;
    const rules = pinningRules(config, e.upstream);
    guardChannel.publish({
      requestId: '',
      upstream: e.upstream,
      name: e.tool,
      guard: 'pin',
      rule: e.rule,
      path: '',
      mode: rules?.onChange === 'flag' && !e.blocked ? 'monitor' : 'enforce',
      decision: e.blocked ? 'deny' : 'allow',
    });
  };
  return { pinning: new ToolPinning(pins, (upstream) => pinningRules(config, upstream), log, Date.now, publish), store: pins, owned };
}

/**
 * Looks every `pollMs` for pins changed by another process (`breakwater pins approve|reject`) and, on a
 * change, has the aggregator review its tool lists again. Returns the stop function.
 */
export function watchPins(setup: PinningSetup, aggregator: Aggregator, pollMs: number, log: Logger): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    setup.pinning
      .storeChanged()
      .then((changed) => (changed ? aggregator.reviewTools() : undefined))
      .catch((err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'pin store check failed'))
      .finally(() => (busy = false));
  }, pollMs);
  timer.unref();
  void setup.pinning.storeChanged().catch(() => {});
  return () => clearInterval(timer);
}
