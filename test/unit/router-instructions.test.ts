// Issue 7 item 12(a): merged server instructions name tools as callers see them (with the gateway's
// prefix), so a model following them calls names the gateway knows; prose is left alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NamedRouteTable, mergeInstructions, renamedOf, type ListedItem } from '../../src/router/index.js';

const ns = (prefix: string) => ({ prefix, separator: '__' });
const items = (...names: string[]): ListedItem[] => names.map((name) => ({ name }));

void describe('mergeInstructions', () => {
  const tools = new NamedRouteTable(
    [
      { name: 'fs', namespace: ns('fs') },
      { name: 'web', namespace: ns('web') },
      { name: 'bare', namespace: ns('') },
    ],
    new Map([
      ['fs', items('read_file', 'read_file_lines', 'search', 'listDir')],
      ['web', items('search')],
      ['bare', items('lookup_x')],
    ]),
    false,
  );
  const prompts = new NamedRouteTable([{ name: 'fs', namespace: ns('fs') }], new Map([['fs', items('summarize-dir')]]), false);

  void it('adds a header per prefixed upstream and rewrites exact names: backticked always, whole words when not ordinary words', () => {
    const text = [
      'Use `read_file` to read; read_file_lines reads a range, then listDir.',
      'To search, call `search`. Never call fs__read_file twice or my_read_file. Try summarize-dir.',
      'Prefer read_file.',
    ].join('\n');
    const merged = mergeInstructions([
      { upstream: 'fs', text, namespace: ns('fs'), renamed: renamedOf('fs', [tools, prompts]) },
      { upstream: 'bare', text: 'Call lookup_x.', namespace: ns(''), renamed: renamedOf('bare', [tools, prompts]) },
    ]);
    assert.equal(
      merged,
      [
        '## fs',
        'Tools and prompts of this server are exposed as `fs__<name>`.',
        'Use `fs__read_file` to read; fs__read_file_lines reads a range, then fs__listDir.',
        'To search, call `fs__search`. Never call fs__read_file twice or my_read_file. Try fs__summarize-dir.',
        'Prefer fs__read_file.',
        '',
        '## bare',
        'Call lookup_x.',
      ].join('\n'),
    );
  });

  void it('uses the exposed name the route table chose, and nothing when no upstream has instructions', () => {
    assert.deepEqual(renamedOf('web', [tools]), new Map([['search', 'web__search']]));
    assert.equal(mergeInstructions([]), undefined);
  });
});
