import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exposeName, globMatcher, NamedRouteTable, ResourceIndex } from '../../src/router/index.js';
import { NAME_PATTERN } from '../../src/protocol/index.js';

describe('namespacing', () => {
  it('prefixes with the separator and leaves an empty prefix bare', () => {
    assert.equal(exposeName({ prefix: 'fs', separator: '__' }, 'read_file'), 'fs__read_file');
    assert.equal(exposeName({ prefix: '', separator: '__' }, 'read_file'), 'read_file');
  });

  it('keeps every exposed name within the spec rules, and distinct for distinct long names', () => {
    const long = 'x'.repeat(127);
    const a = exposeName({ prefix: 'up', separator: '__' }, long + 'a');
    const b = exposeName({ prefix: 'up', separator: '__' }, long + 'b');
    assert.match(a, NAME_PATTERN);
    assert.match(b, NAME_PATTERN);
    assert.notEqual(a, b);
    assert.match(exposeName({ prefix: 'up', separator: '__' }, 'has space/slash'), NAME_PATTERN);
  });

  it('glob filters match * and ? only', () => {
    const m = globMatcher(['read_*', 'get?']);
    assert.ok(m('read_file'));
    assert.ok(m('gets'));
    assert.ok(!m('write_file'));
    assert.ok(!m('read.file'.replace('_', '')));
  });
});

describe('NamedRouteTable', () => {
  const naming = [
    { name: 'a', namespace: { prefix: '', separator: '__' }, deny: ['secret*'] },
    { name: 'b', namespace: { prefix: '', separator: '__' } },
  ];
  const items = new Map([
    ['a', [{ name: 'search', inputSchema: { type: 'object', $defs: { x: {} } } }, { name: 'secret_op' }]],
    ['b', [{ name: 'search', description: 'from b' }]],
  ]);

  it('routes exposed names to upstream and original name, filters, and disambiguates collisions', () => {
    const table = new NamedRouteTable(naming, items, true);
    assert.equal(table.get('search')?.upstream, 'a');
    assert.equal(table.get('secret_op'), undefined);
    assert.equal(table.size, 2);
    const other = table.list.find((t) => t.description === 'from b');
    assert.ok(other && other.name !== 'search' && other.name.startsWith('search-'));
    assert.equal(table.get(other.name)?.target, 'search');
    assert.equal(table.collisions.length, 1);
  });

  it('passes every schema keyword through untouched', () => {
    const table = new NamedRouteTable(naming, items, true);
    assert.deepEqual(table.list[0]?.inputSchema, { type: 'object', $defs: { x: {} } });
  });
});

describe('ResourceIndex', () => {
  it('routes by exact URI, then template, then the sole resource upstream', () => {
    const index = new ResourceIndex(
      ['a', 'b'],
      new Map([['a', [{ uri: 'test://static' }]]]),
      new Map([['b', [{ uriTemplate: 'test://template/{id}/data' }]]]),
      ['a', 'b'],
    );
    assert.equal(index.route('test://static'), 'a');
    assert.equal(index.route('test://template/42/data'), 'b');
    assert.equal(index.route('test://template/42/other'), undefined);
    const single = new ResourceIndex(['a'], new Map(), new Map(), ['a']);
    assert.equal(single.route('file:///anything'), 'a');
  });
});
