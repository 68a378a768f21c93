import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../../src/config/index.js';
import { GatewayError, unknownTarget } from '../../../src/errors/index.js';
import { createChannels, type AuthorizationDecisionEvent } from '../../../src/observability/index.js';
import type { Principal } from '../../../src/pipeline/index.js';
import {
  Authorizer,
  createAuthorizationPolicy,
  ListVisibility,
  RuleCompileError,
  type AuthorizationConfig,
} from '../../../src/policies/authz/index.js';
import { makeCtx, ManualClock, ok } from './_support.js';

const analyst: Principal = { id: 'ann', kind: 'api-key', roles: ['analyst'] };
const admin: Principal = { id: 'root', kind: 'jwt', roles: ['admin'], claims: { tenant: 'acme', groups: ['ops', 'dev'] } } as Principal;
const nobody: Principal = { id: 'anonymous', kind: 'anonymous', roles: [] };

const config: AuthorizationConfig = {
  default: 'deny',
  rules: [
    { id: 'admins', action: 'allow', roles: ['admin'] },
    { id: 'no-delete', action: 'deny', tools: ['*__delete_*'] },
    { id: 'small-queries', action: 'allow', roles: ['analyst'], tools: ['db__query'], when: 'args.limit <= 1000' },
    { id: 'echo-for-all', action: 'allow', tools: ['everything__echo'] },
    { id: 'ops-claims', action: 'allow', claims: { groups: 'ops' }, upstreams: ['ops'] },
  ],
};

const tool = (name: string, upstream = name.split('__')[0]!) => ({ method: 'tools/call', upstream, kind: 'tool' as const, name });

test('rules: first match wins, then the default action', () => {
  const a = new Authorizer(config);
  assert.deepEqual(a.decide(admin, tool('db__delete_all'), {}), { allowed: true, rule: 'admins' });
  assert.deepEqual(a.decide(analyst, tool('db__delete_all'), {}), { allowed: false, rule: 'no-delete' });
  assert.deepEqual(a.decide(analyst, tool('everything__echo'), {}), { allowed: true, rule: 'echo-for-all' });
  assert.deepEqual(a.decide(analyst, tool('everything__add'), {}), { allowed: false, rule: 'default' });
  assert.deepEqual(new Authorizer({ ...config, default: 'allow' }).decide(nobody, tool('new__tool'), {}), {
    allowed: true,
    rule: 'default',
  });
});

test('CEL on arguments: limit 10 is allowed, limit 5000 and a missing limit are not (fail closed)', () => {
  const a = new Authorizer(config);
  assert.deepEqual(a.decide(analyst, tool('db__query'), { limit: 10 }), { allowed: true, rule: 'small-queries' });
  assert.deepEqual(a.decide(analyst, tool('db__query'), { limit: 5000 }), { allowed: false, rule: 'default' });
  assert.deepEqual(a.decide(analyst, tool('db__query'), {}), { allowed: false, rule: 'default' });
  assert.deepEqual(a.decide(analyst, tool('db__query'), { limit: 'ten' }), { allowed: false, rule: 'default' });
  // A deny rule whose condition cannot be evaluated matches (fail closed).
  const d = new Authorizer({ default: 'allow', rules: [{ id: 'no-big', action: 'deny', when: 'args.limit > 100' }] });
  assert.deepEqual(d.decide(analyst, tool('db__query'), {}), { allowed: false, rule: 'no-big' });
  assert.deepEqual(d.decide(analyst, tool('db__query'), { limit: 5 }), { allowed: true, rule: 'default' });
});

test('principal matchers: roles, ids, claims (scalar or array claims), scopes; CEL sees principal and target', () => {
  const a = new Authorizer(config);
  assert.equal(a.decide(admin, tool('ops__restart'), {}).rule, 'admins');
  const opsOnly = { ...admin, roles: [] } as Principal;
  assert.deepEqual(a.decide(opsOnly, tool('ops__restart'), {}), { allowed: true, rule: 'ops-claims' });
  const other = { ...opsOnly, claims: { groups: ['dev'] } } as Principal;
  assert.equal(a.decide(other, tool('ops__restart'), {}).allowed, false);
  const b = new Authorizer({
    default: 'deny',
    rules: [
      { id: 'ids', action: 'allow', principals: ['svc-*'] },
      { id: 'scoped', action: 'allow', scopes: ['tools:read'], methods: ['resources/*'] },
      { id: 'cel', action: 'allow', when: 'principal.claims.tenant == "acme" && target.upstream == "crm" && "admin" in principal.roles' },
    ],
  });
  assert.equal(b.decide({ id: 'svc-build', kind: 'api-key', roles: [] }, tool('x__y'), {}).rule, 'ids');
  const reader = { id: 'u', kind: 'jwt', roles: [], scopes: ['tools:read'] } as Principal;
  assert.equal(b.decide(reader, { method: 'resources/read', upstream: 'fs', kind: 'resource', name: 'file:///a' }, {}).rule, 'scoped');
  assert.equal(b.decide(reader, tool('fs__read'), {}).rule, 'default');
  assert.equal(b.decide(admin, tool('crm__find'), {}).rule, 'cel');
  assert.equal(b.decide(admin, tool('erp__find'), {}).rule, 'default');
});

test('target kinds: a rule naming tools does not match prompts; completions match prompts or resources', () => {
  const a = new Authorizer({
    default: 'deny',
    rules: [
      { id: 'tools-only', action: 'allow', tools: ['*'] },
      { id: 'greeting', action: 'allow', prompts: ['everything__greet*'] },
    ],
  });
  assert.equal(
    a.decide(nobody, { method: 'prompts/get', upstream: 'everything', kind: 'prompt', name: 'everything__x' }, {}).rule,
    'default',
  );
  assert.equal(
    a.decide(nobody, { method: 'completion/complete', upstream: 'everything', kind: 'completion', name: 'everything__greeting' }, {}).rule,
    'greeting',
  );
  assert.equal(a.decide(nobody, tool('a__b'), {}).rule, 'tools-only');
});

test('visible: an args-dependent allow shows the tool, an args-dependent deny does not hide it', () => {
  const a = new Authorizer(config);
  assert.equal(a.visible(analyst, tool('db__query')), true);
  assert.equal(a.visible(analyst, tool('everything__add')), false);
  assert.equal(a.visible(analyst, tool('db__delete_x')), false);
  assert.equal(a.visible(nobody, tool('db__query')), false);
  const d = new Authorizer({ default: 'allow', rules: [{ id: 'no-big', action: 'deny', tools: ['db__query'], when: 'args.limit > 100' }] });
  assert.equal(d.visible(nobody, tool('db__query')), true);
});

test('list visibility: filtered per principal, cached per shape and list version, same array when all visible', () => {
  const v = new ListVisibility(new Authorizer(config));
  const items = [{ name: 'everything__echo' }, { name: 'everything__add' }, { name: 'db__query' }, { name: 'db__delete_x' }];
  let calls = 0;
  const target = (item: { name: string }) => (calls++, tool(item.name));
  assert.deepEqual(
    v.filter(analyst, 'tools', items, target).map((i) => i.name),
    ['everything__echo', 'db__query'],
  );
  assert.equal(v.filter(admin, 'tools', items, target), items);
  const before = calls;
  // Another principal object of the same shape is served from the cache.
  v.filter({ ...analyst, roles: ['analyst'] }, 'tools', items, target);
  assert.equal(calls, before);
  const rebuilt = [...items];
  v.filter(analyst, 'tools', rebuilt, target);
  assert.equal(calls, before + rebuilt.length);
  assert.notEqual(v.fingerprint(v.filter(analyst, 'tools', rebuilt, target)), v.fingerprint(rebuilt));
});

test('explain: every rule with why it is skipped or decides', () => {
  const a = new Authorizer(config);
  const { decision, trace } = a.explain(analyst, tool('db__query'), { limit: 5000 });
  assert.deepEqual(decision, { allowed: false, rule: 'default' });
  assert.deepEqual(
    trace.map((t) => [t.rule, t.outcome]),
    [
      ['admins', 'skipped'],
      ['no-delete', 'skipped'],
      ['small-queries', 'skipped'],
      ['echo-for-all', 'skipped'],
      ['ops-claims', 'skipped'],
    ],
  );
  assert.match(trace[2]!.reason, /args.limit <= 1000` is false/);
  assert.match(a.explain(analyst, tool('db__query'), { limit: 1 }).trace[2]!.reason, /when .* is true/);
});

test('policy: a denial is exactly the error of a nonexistent tool, published with the rule id, upstream never called', async () => {
  const clock = new ManualClock();
  const channels = createChannels();
  const events: AuthorizationDecisionEvent[] = [];
  channels.authorization.subscribe((e) => events.push(e));
  const route = { upstream: 'db', kind: 'tool' as const, name: 'db__query', target: 'query' };
  const policy = createAuthorizationPolicy({ authorizer: new Authorizer(config), route, channel: channels.authorization });
  let upstream = 0;
  const next = async () => (upstream++, ok());
  const ctx = (args: Record<string, unknown>) => makeCtx(clock, { principal: analyst, route, params: { name: 'query', arguments: args } });
  assert.deepEqual(await policy.execute(ctx({ limit: 10 }), next), ok());
  const err = await policy.execute(ctx({ limit: 5000 }), next).catch((e: unknown) => e);
  assert.ok(err instanceof GatewayError);
  const missing = unknownTarget('tool', 'db__query', 'params.name');
  assert.deepEqual([err.code, err.message, err.data, err.upstreamFault], [missing.code, missing.message, missing.data, false]);
  assert.equal(upstream, 1);
  assert.deepEqual(
    events.map((e) => [e.allowed, e.rule, e.name]),
    [
      [true, 'small-queries', 'db__query'],
      [false, 'default', 'db__query'],
    ],
  );
});

test('config: CEL syntax errors and duplicate ids are config problems with their path', () => {
  const bad = () =>
    parseConfig({
      authorization: {
        rules: [
          { id: 'a', action: 'allow', when: 'args.limit <=' },
          { id: 'a', action: 'deny', tools: [] },
        ],
      },
    });
  assert.throws(bad, (err: Error) => {
    assert.match(err.message, /authorization\.rules\[0\]\.when: invalid CEL expression: Unexpected token: EOF/);
    assert.match(err.message, /authorization\.rules\[1\]\.tools/);
    assert.match(err.message, /duplicate rule id "a"/);
    return true;
  });
  const good = parseConfig({ authorization: { default: 'allow', rules: [{ id: 'x', action: 'deny', tools: ['*__delete*'] }] } });
  assert.equal(good.config.authorization?.default, 'allow');
  assert.equal(parseConfig({}).config.authorization, undefined);
  assert.throws(() => new Authorizer({ default: 'deny', rules: [{ id: 'x', action: 'allow', when: '1 +' }] }), RuleCompileError);
});
