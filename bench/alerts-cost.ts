// In-process CPU cost per call of the alert engine's channel subscriber (counting a finished call into its
// upstream's per-second bucket), and of one evaluation of every rule over 20 upstreams.
// Run: `node --import tsx bench/alerts-cost.ts`.
import { alertsSchema } from '../src/config/alerts-schema.js';
import { systemClock } from '../src/core/index.js';
import { createAlertEngine } from '../src/observability/alerts/index.js';
import { createChannels } from '../src/observability/channels.js';

const channels = createChannels();
const engine = createAlertEngine({ config: alertsSchema.parse({ enabled: true }), clock: systemClock, channels, sinks: [] });
const event = (i: number) =>
  ({
    requestId: `r${i}`,
    upstream: `u${i % 20}`,
    tool: 't',
    method: 'tools/call',
    at: 0,
    outcome: i % 50 === 0 ? 'upstream-error' : 'ok',
    durationMs: i % 300,
    attempts: 1,
  }) as const;

const N = 1_000_000;
const events = Array.from({ length: 1000 }, (_, i) => event(i));
for (let i = 0; i < 100_000; i++) channels.callEnd.publish(events[i % 1000] as never); // warm up
let t = process.cpuUsage();
for (let i = 0; i < N; i++) channels.callEnd.publish(events[i % 1000] as never);
let d = process.cpuUsage(t);
console.log(`alerts subscriber: ${(((d.user + d.system) / N) * 1000).toFixed(0)} ns per call`);

t = process.cpuUsage();
for (let i = 0; i < 1000; i++) engine.evaluate();
d = process.cpuUsage(t);
console.log(`evaluation of every rule, 20 upstreams: ${((d.user + d.system) / 1000).toFixed(0)} µs`);
engine.stop();
