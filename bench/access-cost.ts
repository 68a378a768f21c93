// In-process cost of the access policies (issue 9 items 2–3) per call, no sockets: authorization with ten
// rules (first-match walk of the rules compiled for the route, one CEL rule on an argument), the rate limit
// (principal + principal × tool + upstream + global, one GCRA acquire), and a filtered tools/list from the
// cache. Run: `npm run build && node dist/bench/access-cost.js` (or `node --import tsx bench/access-cost.ts`).
import { AccessControl } from '../src/app/access-control.js';
import { parseConfig } from '../src/config/index.js';
import type { CallContext, Next, Principal, Route } from '../src/pipeline/index.js';
import { Authorizer, ListVisibility } from '../src/policies/authz/index.js';
import { benchContext } from './lib/call-context.js';

const rules = [
  { id: 'r1', action: 'deny', tools: ['*__delete_*'] },
  { id: 'r2', action: 'allow', roles: ['admin'] },
  { id: 'r3', action: 'deny', principals: ['blocked-*'] },
  { id: 'r4', action: 'allow', roles: ['ops'], upstreams: ['ops'] },
  { id: 'r5', action: 'allow', claims: { tenant: 'acme' }, tools: ['crm__*'] },
  { id: 'r6', action: 'deny', tools: ['fs__write*'], roles: ['analyst'] },
  { id: 'r7', action: 'allow', roles: ['analyst'], tools: ['db__query'], when: 'args.limit <= 1000' },
  { id: 'r8', action: 'allow', scopes: ['tools:read'], methods: ['resources/*'] },
  { id: 'r9', action: 'allow', tools: ['everything__echo'] },
  { id: 'r10', action: 'allow', roles: ['analyst'], tools: ['db__*'] },
] as const;

const { config } = parseConfig(
  {
    upstreams: { db: { url: 'http://127.0.0.1:1/mcp' } },
    authorization: { default: 'deny', rules: rules.map((r) => ({ ...r })) },
    rateLimits: {
      principal: { perSecond: 1e9, burst: 1e6 },
      principalTool: { perSecond: 1e9, burst: 1e6 },
      upstream: { perSecond: 1e9 },
      global: { perSecond: 1e9 },
    },
  },
  '<access-cost>',
);
const principal: Principal = { id: 'ann', kind: 'api-key', roles: ['analyst'] };
const route: Route = { upstream: 'db', kind: 'tool', name: 'db__query', target: 'query' };
const ctx: CallContext = benchContext({ route, params: { name: 'query', arguments: { limit: 10, sql: 'select 1' } }, principal });
const terminal: Next = async () => ({ content: [] });

async function measure(name: string, fn: () => Promise<unknown> | unknown, calls = 200_000): Promise<string> {
  for (let i = 0; i < 20_000; i++) await fn();
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) await fn();
  const used = process.cpuUsage(start);
  return `| ${name} | ${((used.user + used.system) / calls).toFixed(2)} |`;
}

const access = new AccessControl(config);
const [rateLimit, authorization] = access.policiesFor(route);
const authorizer = new Authorizer(config.authorization!);
const visibility = new ListVisibility(authorizer);
const tools = Array.from({ length: 50 }, (_, i) => ({ name: i % 2 ? `db__t${i}` : `everything__t${i}` }));
const rows = [
  await measure('pass-through (terminal only)', () => terminal(ctx)),
  await measure('authorization policy, 10 rules (the route’s rule 7 decides: CEL on args)', () => authorization!.execute(ctx, terminal)),
  await measure('authorization decide(), 10 rules, no route pre-filter', () =>
    authorizer.decide(principal, { ...route, method: 'tools/call' }, ctx.params.arguments),
  ),
  await measure('rate limit policy (principal, principal × tool, upstream, global)', () => rateLimit!.execute(ctx, terminal)),
  await measure('tools/list filtered per caller (50 tools, cache hit)', () =>
    visibility.filter(principal, 'tools', tools, (t) => ({
      method: 'tools/call',
      upstream: t.name.split('__')[0]!,
      kind: 'tool',
      name: t.name,
    })),
  ),
];
process.stdout.write(`| piece | CPU µs per call |\n|---|---|\n${rows.join('\n')}\n`);
