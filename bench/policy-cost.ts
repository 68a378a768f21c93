// In-process cost of each reliability policy on the compiled pipeline (no sockets): CPU µs per call
// against an instant terminal. Run: `npm run build && node dist/bench/policy-cost.js`.
import { PipelineCompiler } from '../src/app/pipeline-compiler.js';
import { parseConfig, type BreakwaterConfigInput } from '../src/config/index.js';
import { silentLogger, systemClock } from '../src/core/index.js';
import type { CallContext } from '../src/pipeline/index.js';

type Scope = NonNullable<NonNullable<BreakwaterConfigInput['upstreams']>[string]['policies']>;

const OFF = { timeoutMs: 0, breaker: { enabled: false }, bulkhead: { enabled: false }, healthCheck: { intervalMs: 0 } } as const;
const SCOPES: Record<string, Scope> = {
  'pass-through': OFF,
  deadline: { ...OFF, timeoutMs: 30_000 },
  'attempt timeout': { ...OFF, attemptTimeoutMs: 10_000 },
  retry: { ...OFF, idempotent: true, retry: { enabled: true } },
  breaker: { ...OFF, breaker: { enabled: true } },
  bulkhead: { ...OFF, bulkhead: { enabled: true, maxConcurrent: 256, maxQueue: 256 } },
  'full stack': {
    timeoutMs: 30_000,
    attemptTimeoutMs: 10_000,
    idempotent: true,
    retry: { enabled: true },
    breaker: { enabled: true },
    bulkhead: { maxConcurrent: 256, maxQueue: 256 },
  },
};

const route = { upstream: 'up', kind: 'tool', name: 'echo', target: 'echo' } as const;
const ctx = (): CallContext => ({
  requestId: 'r',
  rpcId: 1,
  method: 'tools/call',
  route,
  params: {},
  principal: { id: 'a', kind: 'anonymous', roles: [] },
  era: 'legacy',
  sessionId: undefined,
  signal: new AbortController().signal,
  deadline: Infinity,
  clock: systemClock,
  log: silentLogger,
  caller: { notify() {}, request: async () => ({}), capabilities: {} },
  state: { committed: false, attempts: 0 },
});

const rows: string[] = [];
for (const [name, policies] of Object.entries(SCOPES)) {
  const { config } = parseConfig({ upstreams: { up: { url: 'http://127.0.0.1:1/mcp', policies } } }, '<policy-cost>');
  const compiler = new PipelineCompiler(config, async () => ({ content: [] }), {
    clock: systemClock,
    log: silentLogger,
    toolAnnotations: () => undefined,
  });
  const next = compiler.forRoute(route);
  for (let i = 0; i < 20_000; i++) await next(ctx());
  const calls = 100_000;
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) await next(ctx());
  const used = process.cpuUsage(start);
  rows.push(`| ${name} | ${((used.user + used.system) / calls).toFixed(2)} |`);
}
process.stdout.write(['| pipeline | CPU µs per call (incl. one AbortController for the context) |', '|---|--:|', ...rows, ''].join('\n'));
process.exit(0);
