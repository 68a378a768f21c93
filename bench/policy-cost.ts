// In-process cost of each reliability policy on the compiled pipeline (no sockets): CPU µs per call
// against an instant terminal. Run: `npm run build && node dist/bench/policy-cost.js`.
import { AccessControl } from '../src/app/access-control.js';
import { PipelineCompiler } from '../src/app/pipeline-compiler.js';
import { parseConfig, type BreakwaterConfigInput } from '../src/config/index.js';
import { silentLogger, systemClock } from '../src/core/index.js';
import type { CallContext } from '../src/pipeline/index.js';
import { benchContext } from './lib/call-context.js';

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

// Access policies (issue 9) in front of an otherwise bare route: ten authorization rules (the route's own rule
// decides with a CEL condition on an argument), and a rate limit on four scopes (one GCRA acquire).
const TEN_RULES = [
  ...Array.from({ length: 8 }, (_, i) => ({ id: `r${i}`, action: 'allow' as const, roles: [`role${i}`], tools: [`other${i}__*`] })),
  { id: 'echo', action: 'allow' as const, tools: ['echo'], when: 'args.n <= 10' },
  { id: 'rest', action: 'deny' as const, tools: ['*'] },
];
const ACCESS: Record<string, Partial<BreakwaterConfigInput>> = {
  'authorization (10 rules, CEL)': { authorization: { default: 'deny', rules: TEN_RULES } },
  'rate limit (4 scopes)': {
    rateLimits: {
      principal: { perSecond: 1e9, burst: 1e6 },
      principalTool: { perSecond: 1e9, burst: 1e6 },
      upstream: { perSecond: 1e9 },
      global: { perSecond: 1e9 },
    },
  },
};

const route = { upstream: 'up', kind: 'tool', name: 'echo', target: 'echo' } as const;
const principal = { id: 'a', kind: 'anonymous', roles: [] } as const;
const ctx = (): CallContext => benchContext({ route, params: { arguments: { n: 1 } }, principal });

const rows: string[] = [];
const cases: [string, Scope, Partial<BreakwaterConfigInput>][] = [
  ...Object.entries(SCOPES).map(([name, policies]): [string, Scope, Partial<BreakwaterConfigInput>] => [name, policies, {}]),
  ...Object.entries(ACCESS).map(([name, extra]): [string, Scope, Partial<BreakwaterConfigInput>] => [name, OFF, extra]),
];
for (const [name, policies, extra] of cases) {
  const { config } = parseConfig({ ...extra, upstreams: { up: { url: 'http://127.0.0.1:1/mcp', policies } } }, '<policy-cost>');
  const access = new AccessControl(config);
  const compiler = new PipelineCompiler(config, async () => ({ content: [] }), {
    clock: systemClock,
    log: silentLogger,
    toolAnnotations: () => undefined,
    front: (r) => access.policiesFor(r),
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
