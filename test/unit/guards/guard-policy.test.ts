// The guard framework: bindings by JSON pointer, enforce vs monitor, redaction, result guards, fail-closed
// guards, events, and schema validation through the same policy.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../../src/errors/index.js';
import type { GuardDecisionEvent } from '../../../src/observability/index.js';
import {
  ALLOW,
  bindGuard,
  compilePointer,
  createGuardPolicy,
  createLengthGuard,
  createSchemaGuard,
  deny,
  replaceAt,
  SchemaCompiler,
  type Guard,
} from '../../../src/policies/guards/index.js';
import { makeCtx, ManualClock } from '../policies/_support.js';

const noSql: Guard = {
  kind: 'sql',
  check: ({ value }) => (typeof value === 'string' && /drop/i.test(value) ? deny('sql.write-statement', 'only reads') : ALLOW),
};
const ctxWith = (args: Record<string, unknown>) => makeCtx(new ManualClock(), { params: { name: 'q', arguments: args } });
const ok = async () => ({ content: [{ type: 'text', text: 'fine' }] });
const limits = { maxSchemaBytes: 256 * 1024, maxSchemaDepth: 64, maxPatternInput: 10_000 };

async function rejection(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof GatewayError, String(e));
    return e;
  }
  assert.fail('expected a rejection');
}

void describe('guard policy', () => {
  void it('rejects a denied argument with GW_GUARD_REJECTED naming the pointer and rule, never the value, and never calls upstream', async () => {
    let called = 0;
    const policy = createGuardPolicy({ bindings: [bindGuard(noSql, ['/sql'], 'enforce')] });
    const err = await rejection(policy.execute(ctxWith({ sql: 'DROP TABLE secret_pw_123' }), async () => (called++, {})));
    assert.equal(err.code, 'GW_GUARD_REJECTED');
    assert.equal(err.rpcCode, -32602);
    assert.equal(err.upstreamFault, false);
    assert.deepEqual(err.data, { guard: 'sql', rule: 'sql.write-statement', path: '/sql', mode: 'enforce' });
    assert.match(err.message, /Argument \/sql refused by the sql guard \(sql.write-statement\)/);
    assert.ok(!err.message.includes('secret_pw_123'));
    assert.equal(called, 0);
    // An allowed value passes through unchanged.
    assert.deepEqual(await policy.execute(ctxWith({ sql: 'select 1' }), ok), await ok());
  });

  void it('monitor mode publishes the deny and lets the call through', async () => {
    const events: GuardDecisionEvent[] = [];
    const policy = createGuardPolicy({
      bindings: [bindGuard(noSql, ['/sql'], 'monitor')],
      events: { active: true, publish: (e) => events.push(e) },
    });
    assert.deepEqual(await policy.execute(ctxWith({ sql: 'drop table t' }), ok), await ok());
    assert.equal(events.length, 1);
    assert.equal(events[0]!.decision, 'deny');
    assert.equal(events[0]!.mode, 'monitor');
    assert.equal(events[0]!.path, '/sql');
  });

  void it('wildcard pointers guard every element; absent arguments are not checked', async () => {
    const policy = createGuardPolicy({ bindings: [bindGuard(noSql, ['/queries/*'], 'enforce')] });
    const err = await rejection(policy.execute(ctxWith({ queries: ['select 1', 'drop x'] }), ok));
    assert.equal(err.data?.path, '/queries/1');
    await policy.execute(ctxWith({ other: 'drop' }), ok);
    assert.deepEqual(
      compilePointer('/a~1b/*')
        .find({ 'a/b': { x: 1, 'y~': 2 } })
        .map((f) => f.pointer),
      ['/a~1b/x', '/a~1b/y~0'],
    );
  });

  void it('redacts arguments and results copy-on-write, and a result deny names /result/…', async () => {
    const redactor: Guard = {
      kind: 'content',
      check: ({ value }) =>
        value === 'AKIAXXXX' ? { decision: 'redact', rule: 'content.aws-key', reason: 'x', value: '[REDACTED]' } : ALLOW,
    };
    const original = { key: 'AKIAXXXX', keep: 1 };
    let seen: unknown;
    const policy = createGuardPolicy({
      bindings: [bindGuard(redactor, ['/key'], 'enforce'), bindGuard(redactor, ['/content/*/text'], 'enforce', 'result')],
    });
    const result = await policy.execute(ctxWith(original), async (c) => {
      seen = c.params.arguments;
      return { content: [{ type: 'text', text: 'AKIAXXXX' }] };
    });
    assert.deepEqual(seen, { key: '[REDACTED]', keep: 1 });
    assert.equal(original.key, 'AKIAXXXX');
    assert.deepEqual(result, { content: [{ type: 'text', text: '[REDACTED]' }] });
    const blocking = createGuardPolicy({ bindings: [bindGuard(noSql, ['/content/*/text'], 'enforce', 'result')] });
    const err = await rejection(blocking.execute(ctxWith({}), async () => ({ content: [{ type: 'text', text: 'drop' }] })));
    assert.equal(err.data?.path, '/result/content/0/text');
    // isError results are the tool's own error: passed as they are.
    await blocking.execute(ctxWith({}), async () => ({ isError: true, content: [{ type: 'text', text: 'drop' }] }));
    assert.deepEqual(replaceAt([1, { a: 2 }], '/1/a', 3), [1, { a: 3 }]);
  });

  void it('a guard that throws (or rejects) denies: fail closed', async () => {
    const broken: Guard = { kind: 'url', check: () => Promise.reject(new Error('dns exploded')) };
    const err = await rejection(createGuardPolicy({ bindings: [bindGuard(broken, ['/u'], 'enforce')] }).execute(ctxWith({ u: 'x' }), ok));
    assert.equal(err.data?.rule, 'url.error');
  });

  void it('length guard: per-argument string and array limits', async () => {
    const policy = createGuardPolicy({ bindings: [bindGuard(createLengthGuard({ maxLength: 5, maxItems: 2 }), ['/s', '/a'], 'enforce')] });
    assert.equal((await rejection(policy.execute(ctxWith({ s: '123456' }), ok))).data?.rule, 'length.max-length');
    assert.equal((await rejection(policy.execute(ctxWith({ a: [1, 2, 3] }), ok))).data?.rule, 'length.max-items');
    await policy.execute(ctxWith({ s: '12345', a: [1, 2] }), ok);
  });
});

void describe('schema validation', () => {
  const schema = {
    type: 'object',
    properties: { n: { type: 'integer', maximum: 10 }, s: { type: 'string', pattern: '^[a-z]+$' } },
    required: ['n'],
    additionalProperties: false,
  };

  void it('validates arguments against the inputSchema, naming the failing argument', async () => {
    const compiler = new SchemaCompiler(limits);
    const policy = createGuardPolicy({ bindings: [bindGuard(createSchemaGuard(compiler.compile(schema), 'allow'), [''], 'enforce')] });
    await policy.execute(ctxWith({ n: 3, s: 'abc' }), ok);
    const wrongType = await rejection(policy.execute(ctxWith({ n: 'three' }), ok));
    assert.deepEqual(wrongType.data, { guard: 'schema', rule: 'schema.type', path: '/n', mode: 'enforce' });
    assert.equal((await rejection(policy.execute(ctxWith({}), ok))).data?.path, '/n');
    assert.equal((await rejection(policy.execute(ctxWith({ n: 1, extra: 'top-secret' }), ok))).data?.path, '/extra');
    const pattern = await rejection(policy.execute(ctxWith({ n: 1, s: 'NOT-lower-secret' }), ok));
    assert.equal(pattern.data?.rule, 'schema.pattern');
    assert.ok(!pattern.message.includes('NOT-lower-secret'));
  });

  void it('compiles once per distinct schema; draft-07 and 2020-12 both work', () => {
    const compiler = new SchemaCompiler(limits);
    const a = compiler.compile(schema);
    assert.equal(compiler.compile(structuredClone(schema)), a);
    const d7 = compiler.compile({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'array',
      items: [{ type: 'string' }],
      additionalItems: false,
    });
    assert.ok(d7.ok);
    assert.equal(d7.validate(['x']), true);
    assert.equal(d7.validate(['x', 1]), false);
    const d2020 = compiler.compile({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'array',
      prefixItems: [{ type: 'string' }],
      items: false,
    });
    assert.ok(d2020.ok);
    assert.equal(d2020.validate(['x', 1]), false);
  });

  void it('hostile schemas neither hang nor crash: huge, deep, catastrophic patterns, remote $ref', () => {
    const compiler = new SchemaCompiler(limits);
    const started = performance.now();
    const huge = {
      type: 'object',
      properties: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`p${i}`, { type: 'string' }])),
    };
    assert.match(String((compiler.compile(huge) as { reason: string }).reason), /larger than/);
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 5000; i++) deep = { type: 'object', properties: { a: deep } };
    assert.match(String((compiler.compile(deep) as { reason: string }).reason), /deeper than/);
    for (const pattern of ['^(a+)+$', '(a|aa)*b', '^(\\w+\\s?)*$', '(x+x+)+y', '(.*a){12}', '^(a)\\1$'])
      assert.equal(compiler.compile({ type: 'string', pattern }).ok, false, pattern);
    assert.equal(compiler.compile({ $ref: 'https://evil.example/schema.json' }).ok, false);
    // A safe pattern never runs on an input longer than maxPatternInput.
    const safe = compiler.compile({ type: 'string', pattern: '^[a-z]*$' });
    assert.ok(safe.ok);
    assert.equal(safe.validate('a'.repeat(20_000)), false);
    assert.equal(safe.validate('a'.repeat(10_000)), true);
    const ms = performance.now() - started;
    assert.ok(ms < 10_000, `took ${ms} ms`);
  });

  void it('an unusable schema allows or denies as onInvalidSchema says', () => {
    const bad = new SchemaCompiler(limits).compile({ type: 'string', pattern: '(a+)+' });
    assert.equal(
      createSchemaGuard(bad, 'allow').check({ value: 'x', pointer: '', document: 'x', signal: new AbortController().signal }),
      ALLOW,
    );
    const v = createSchemaGuard(bad, 'deny').check({ value: 'x', pointer: '', document: 'x', signal: new AbortController().signal });
    assert.equal((v as { rule: string }).rule, 'schema.invalid-schema');
  });
});
