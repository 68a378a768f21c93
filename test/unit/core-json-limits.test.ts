import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { JsonLimitError, jsonDepthExceeds, parseJsonWithin } from '../../src/core/index.js';

function depthOf(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  const children = Array.isArray(v) ? v : Object.values(v);
  return 1 + children.reduce<number>((m, c) => Math.max(m, depthOf(c)), 0);
}

test('jsonDepthExceeds agrees with the depth of the parsed value, strings with brackets and escapes included', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 0, max: 12 }), (value, max) => {
      const text = JSON.stringify(value);
      const exceeds = jsonDepthExceeds(text, max) > 0;
      // Short texts are waved through by length: they cannot nest beyond max.
      assert.equal(exceeds, depthOf(value) > max && text.length > max * 2);
    }),
    { numRuns: 500 },
  );
});

test('brackets inside strings (escaped quotes too) do not count', () => {
  const text = JSON.stringify({ s: '[[[[[[[[[[\\"{{{{{{{{{{{{{{{{"'.repeat(20) });
  assert.equal(jsonDepthExceeds(text, 2), 0);
});

test('long strings (the indexOf path) with escaped quotes, backslash runs and brackets are skipped exactly', () => {
  const piece = fc.constantFrom('a', '[', ']', '{', '}', '"', '\\', '\\\\', '\\"');
  fc.assert(
    fc.property(fc.array(piece, { minLength: 30, maxLength: 200 }), fc.integer({ min: 1, max: 6 }), (parts, depth) => {
      const nested = JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;
      const text = JSON.stringify({ s: parts.join(''), n: nested, t: parts.reverse().join('') });
      // The object adds one level: the text nests exactly depth + 1 deep.
      assert.equal(jsonDepthExceeds(text, depth + 1), 0, text);
      assert.equal(jsonDepthExceeds(text, depth), depth + 1, text);
    }),
    { numRuns: 1000 },
  );
});

test('10,000 levels are refused by name before JSON.parse builds anything', () => {
  const text = '['.repeat(10_000) + ']'.repeat(10_000);
  assert.equal(jsonDepthExceeds(text, 128), 129);
  assert.throws(
    () => parseJsonWithin(text, 128),
    (e: unknown) => e instanceof JsonLimitError && e.limit === 'maxJsonDepth',
  );
  assert.throws(
    () => parseJsonWithin('{"a":', 128),
    (e: unknown) => e instanceof JsonLimitError && e.limit === 'syntax',
  );
  assert.deepEqual(parseJsonWithin('{"a":[1,{"b":2}]}', 128), { a: [1, { b: 2 }] });
});
