// The small pieces under config/: interpolation, did-you-mean, JSONC, paths, override schemas.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatPath, interpolate, policyScopeSchema, resolvedPolicyScopeSchema } from '../../src/config/index.js';
import { didYouMean, editDistance } from '../../src/config/did-you-mean.js';
import { stripJsonc } from '../../src/config/jsonc.js';

void describe('interpolate', () => {
  const env = { HOST: 'db.internal', EMPTY: '', TOKEN: 'abc' };
  const run = (value: unknown, bare = false) => interpolate(value, env, { bare });

  void it('replaces variables inside strings anywhere in the tree, leaving keys alone', () => {
    const { value, problems, secret } = run({ '${env:HOST}': ['x-${env:HOST}:5432', { deep: '${env:TOKEN}' }], n: 3 });
    assert.deepEqual(value, { '${env:HOST}': ['x-db.internal:5432', { deep: 'abc' }], n: 3 });
    assert.deepEqual(problems, []);
    assert.deepEqual([...secret], ['["${env:HOST}","0"]', '["${env:HOST}","1","deep"]']);
  });

  void it('uses the default when unset or empty, and allows empty or colon-bearing defaults', () => {
    assert.equal(run('${env:MISSING:-fallback}').value, 'fallback');
    assert.equal(run('${env:EMPTY:-fallback}').value, 'fallback');
    assert.equal(run('${env:EMPTY}').value, '');
    assert.equal(run('${env:MISSING:-}').value, '');
    assert.equal(run('${env:MISSING:-http://a:1/b}').value, 'http://a:1/b');
  });

  void it('reports each missing variable with its path', () => {
    const { problems } = run({ a: ['${env:NOPE}', 'ok'], b: '${env:ALSO_NOPE} and ${env:HOST}' });
    assert.deepEqual(
      problems.map((p) => [p.path, p.message.split(' (')[0]]),
      [
        [['a', 0], 'environment variable NOPE is not set'],
        [['b'], 'environment variable ALSO_NOPE is not set'],
      ],
    );
  });

  void it('keeps $${ as a literal ${', () => {
    assert.deepEqual(run('$${env:HOST} ${env:HOST}'), { value: '${env:HOST} db.internal', problems: [], secret: new Set(['[]']) });
  });

  void it('rejects other ${…} forms with a hint, and accepts bare ${NAME} only in mcpServers files', () => {
    assert.match(run('${HOST}').problems[0]?.message ?? '', /^unsupported variable "\$\{HOST\}" \(did you mean "\$\{env:HOST\}"\?\)/);
    assert.match(run('${input:key}', true).problems[0]?.message ?? '', /^VS Code variable "\$\{input:key\}" is not supported/);
    assert.equal(run('${HOST}', true).value, 'db.internal');
    assert.equal(run('${NOPE:-d}', true).value, 'd');
  });
});

void describe('didYouMean', () => {
  const keys = ['command', 'args', 'env', 'cwd', 'url', 'headers', 'timeoutMs', 'maxRestarts', 'enabled'];
  const cases: [string, string | undefined][] = [
    ['timout', 'timeoutMs'],
    ['comand', 'command'],
    ['Command', 'command'],
    ['max_restarts', 'maxRestarts'],
    ['enable', 'enabled'],
    ['uri', 'url'],
    ['header', 'headers'],
    ['mcpServers', undefined],
    ['foo', undefined],
  ];
  for (const [word, want] of cases) void it(`${word} → ${String(want)}`, () => assert.equal(didYouMean(word, keys), want));

  void it('is a distance (symmetric, zero on equal strings)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        assert.equal(editDistance(a, b), editDistance(b, a));
        assert.equal(editDistance(a, a), 0);
      }),
    );
  });
});

void describe('stripJsonc', () => {
  void it('removes comments and trailing commas but keeps strings and line positions', () => {
    const text = '{\n  // note\n  "a": "// not a comment, /* nor this */", /* c */\n  "b": [1, 2,],\n}';
    const stripped = stripJsonc(text);
    assert.deepEqual(JSON.parse(stripped), { a: '// not a comment, /* nor this */', b: [1, 2] });
    assert.equal(stripped.length, text.length);
    assert.deepEqual(stripped.split('\n').length, text.split('\n').length);
  });

  void it('leaves any plain JSON document unchanged', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 2), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        assert.equal(stripJsonc(text), text);
      }),
    );
  });
});

void describe('formatPath', () => {
  void it('renders keys, indices and awkward keys', () => {
    assert.equal(formatPath([]), '(root)');
    assert.equal(formatPath(['upstreams', 'fs', 'args', 0]), 'upstreams.fs.args[0]');
    assert.equal(formatPath(['upstreams', 'a b', 'toolPolicies', 'read.*', 'cache']), 'upstreams["a b"].toolPolicies["read.*"].cache');
  });
});

void describe('policy scope schemas', () => {
  void it('the global scope is complete from nothing', () => {
    const full = resolvedPolicyScopeSchema.parse({});
    assert.deepEqual(Object.keys(full).sort(), [
      'attemptTimeoutMs',
      'breaker',
      'bulkhead',
      'cache',
      'healthCheck',
      'idempotent',
      'replicas',
      'retry',
      'timeoutMs',
    ]);
  });

  void it('an override scope adds no defaults, at any depth', () => {
    assert.deepEqual(policyScopeSchema.parse({}), {});
    assert.deepEqual(policyScopeSchema.parse({ replicas: { ejection: {} }, retry: { maxAttempts: 2 } }), {
      replicas: { ejection: {} },
      retry: { maxAttempts: 2 },
    });
  });

  void it('an override scope is as strict as the global one', () => {
    const r = policyScopeSchema.safeParse({ retry: { maxAttempts: 11, jitter: true } });
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues.map((i) => i.code).sort(), ['too_big', 'unrecognized_keys']);
  });
});
