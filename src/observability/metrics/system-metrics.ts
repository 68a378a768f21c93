import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { Gauge, type Registry } from 'prom-client';

/**
 * Host figures prom-client's process collectors leave out: load average, memory and CPU count, for the
 * alerts on machine pressure (CPU > 80 %, memory > 85 %). Sampled at scrape.
 */
export function registerSystemMetrics(registry: Registry): void {
  const registers = [registry];
  new Gauge({
    name: 'breakwater_system_load_average',
    help: 'System load average.',
    labelNames: ['period'],
    registers,
    collect() {
      const [m1, m5, m15] = loadavg();
      this.set({ period: '1m' }, m1 ?? 0);
      this.set({ period: '5m' }, m5 ?? 0);
      this.set({ period: '15m' }, m15 ?? 0);
    },
  });
  new Gauge({
    name: 'breakwater_system_memory_bytes',
    help: 'System memory (total, free).',
    labelNames: ['kind'],
    registers,
    collect() {
      this.set({ kind: 'total' }, totalmem());
      this.set({ kind: 'free' }, freemem());
    },
  });
  new Gauge({
    name: 'breakwater_system_cpus',
    help: 'Logical CPUs of the host.',
    registers,
    collect() {
      this.set(cpus().length);
    },
  });
}
