// In-process CPU cost of the observability surface per call (no sockets): call start/end published by the
// session layer's helpers, one attempt timed by the app's attempt observer, against an instant terminal,
// with nothing subscribed, with the Prometheus metrics, metrics + access log (to a file), and + tracing at
// 100 % sampling (spans built, batched and handed to an exporter that drops them).
// Run: `npm run build && node dist/bench/observability-cost.js`.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { gatewayChannels, observeAttempts, type AttemptHooks } from '../src/app/observability-wiring.js';
import { silentLogger, systemClock } from '../src/core/index.js';
import { subscribeAccessLog } from '../src/observability/access-log.js';
import { createLogger } from '../src/observability/logger.js';
import { createGatewayMetrics } from '../src/observability/metrics/index.js';
import { createGatewayTracing, type GatewayTracing } from '../src/observability/tracing/index.js';
import type { CallContext, Next } from '../src/pipeline/index.js';
import { publishCallEnd, publishCallStart } from '../src/session/call-events.js';
import { benchContext } from './lib/call-context.js';

const dropSpans: SpanExporter = {
  export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }),
  shutdown: async () => {},
};
const state = {
  replicas: () => [],
  bulkheads: () => [],
  sessions: () => ({ legacy: 0, modern: 0 }),
};

const ctx = (i: number): CallContext =>
  benchContext({
    requestId: `r${i}`,
    rpcId: i,
    route: { upstream: 'up', kind: 'tool', name: 'echo', target: 'echo' },
    params: { name: 'echo', arguments: {}, _meta: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } },
    sessionId: 's',
  });

const terminal: Next = async (c) => {
  c.state.attempts++;
  return { content: [] };
};

type Setup = 'nothing subscribed' | 'metrics' | 'metrics + access log' | 'metrics + access log + tracing 100 %';
const rows: string[] = [];
let baseline = 0;
for (const setup of ['nothing subscribed', 'metrics', 'metrics + access log', 'metrics + access log + tracing 100 %'] as Setup[]) {
  const channels = gatewayChannels(silentLogger, systemClock);
  const hooks: AttemptHooks = {};
  const metrics =
    setup === 'nothing subscribed' ? undefined : createGatewayMetrics(channels, state, { maxToolLabels: 200, process: false });
  const offAccess = setup.includes('access log')
    ? subscribeAccessLog(channels, [
        createLogger({ level: 'info', file: join(tmpdir(), `breakwater-bench-access-${process.pid}.log`), redactKeys: false }),
      ])
    : undefined;
  let tracing: GatewayTracing | undefined;
  if (setup.includes('tracing')) {
    tracing = createGatewayTracing(channels, { serviceName: 'bench', serviceVersion: '0', sampleRatio: 1, exporter: dropSpans });
    hooks.tracer = tracing;
  }
  const attempt = observeAttempts(terminal, channels, systemClock, hooks);
  const call = async (i: number) => {
    const c = ctx(i);
    const started = systemClock.now();
    if (channels.callStart.active) publishCallStart(channels, c, started);
    const result = await attempt(c);
    if (channels.callEnd.active) publishCallEnd(channels, c, started, result, undefined);
  };
  for (let i = 0; i < 20_000; i++) await call(i);
  const calls = 100_000;
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) await call(i);
  const used = process.cpuUsage(start);
  const us = (used.user + used.system) / calls;
  if (setup === 'nothing subscribed') baseline = us;
  rows.push(`| ${setup} | ${us.toFixed(2)} | ${(us - baseline).toFixed(2)} |`);
  offAccess?.();
  metrics?.close();
  await tracing?.shutdown();
}
process.stdout.write(
  ['| subscribers | CPU µs per call (harness incl.) | added by observability |', '|---|---|---|', ...rows, ''].join('\n'),
);
