import { availableParallelism, totalmem } from 'node:os';
import type { BreakwaterConfig } from '../config/index.js';
import { systemClock, type Clock, type Logger } from '../core/index.js';
import { createAlertEngine, createSinks, type AlertEngine, type Gauges } from '../observability/alerts/index.js';
import type { Channels } from '../observability/index.js';

/** Process gauges for the memory and CPU rules: fractions of what this process may use. */
export function processGauges(): Gauges {
  let last = { at: performance.now(), cpu: process.cpuUsage() };
  return {
    memory: () => {
      // A cgroup limit (containers) when there is one, else the machine's memory.
      const limit = process.constrainedMemory() || totalmem();
      return limit > 0 ? process.memoryUsage.rss() / limit : undefined;
    },
    cpu: () => {
      const now = { at: performance.now(), cpu: process.cpuUsage() };
      const usedMs = (now.cpu.user - last.cpu.user + now.cpu.system - last.cpu.system) / 1000;
      const elapsed = now.at - last.at;
      last = now;
      return elapsed > 0 ? usedMs / elapsed / availableParallelism() : undefined;
    },
  };
}

/** Starts the alert engine when `alerts.enabled` (ADR 0026); undefined otherwise. */
export function startAlerts(
  config: BreakwaterConfig,
  channels: Channels,
  log: Logger,
  clock: Clock = systemClock,
): AlertEngine | undefined {
  if (!config.alerts.enabled) return undefined;
  const alertLog = log.child({ component: 'alerts' });
  return createAlertEngine({
    config: config.alerts,
    clock,
    channels,
    gauges: processGauges(),
    sinks: createSinks(config.alerts, clock, alertLog),
    timer: true,
  });
}
