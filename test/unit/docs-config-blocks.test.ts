// Issue 8 item 7: docs that stay true. Every YAML/JSON block of README.md and docs/*.md goes through the
// config loader exactly as a user would paste it, with an empty environment (an example must run as-is,
// so a variable needs a `:-default`). A block that is only part of a config is marked just before its
// fence, and is checked inside a minimal wrapper:
//   <!-- fragment -->                       merged at the root of { upstreams: { example: { command: node } } };
//                                           an upstream it shows without command or url gets `command: node`
//   <!-- fragment: upstreams.example -->    merged into that path of the wrapper
//   <!-- env: GITHUB_TOKEN, API_TOKEN -->   variables the example expects set (combinable: `fragment; env: X`)
//   <!-- not-config: why -->                YAML/JSON that is not a Breakwater config (syntax still checked)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseScript } from '../../src/cli/mock-upstream/index.js';
import { parseConfig, parseSource } from '../../src/config/index.js';
import { allBlocks, type DocBlock } from '../helpers/doc-blocks.js';

const CONFIG_LANGS = new Set(['yaml', 'yml', 'json', 'jsonc']);

/** The marker's `key: value` parts (`fragment: upstreams.example; env: A, B`); a bare key maps to ''. */
function markerParts(block: DocBlock): Map<string, string> {
  const parts = new Map<string, string>();
  for (const part of (block.marker ?? '').split(';')) {
    const m = /^\s*([\w-]+)\s*(?::\s*(.*?))?\s*$/.exec(part);
    if (m?.[1]) parts.set(m[1], m[2] ?? '');
  }
  return parts;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function merge(into: Json, from: Json): Json {
  const out: Json = { ...into };
  for (const [k, v] of Object.entries(from)) out[k] = isObject(v) && isObject(out[k]) ? merge(out[k], v) : v;
  return out;
}

/** A fragment placed at `path` ('' = root) of the smallest valid config. */
function wrap(data: unknown, path: string): unknown {
  assert.ok(isObject(data), 'a fragment is a mapping');
  let inner: Json = data;
  for (const key of path.split('.').filter(Boolean).reverse()) inner = { [key]: inner };
  const config = merge({ upstreams: { example: { command: 'node' } } }, inner);
  // A fragment shows the keys it is about: an upstream without an endpoint gets the wrapper's command.
  for (const upstream of Object.values(config.upstreams as Json))
    if (isObject(upstream) && upstream.command === undefined && upstream.url === undefined) upstream.command = 'node';
  return config;
}

const blocks = allBlocks();
const configBlocks = blocks.filter((b) => CONFIG_LANGS.has(b.lang));

void describe('docs: every YAML/JSON block is a config the loader accepts (or is marked)', () => {
  it('covers every block', (t) => {
    const fragments = configBlocks.filter((b) => markerParts(b).has('fragment')).length;
    const notConfig = configBlocks.filter((b) => markerParts(b).has('not-config')).length;
    t.diagnostic(
      `${blocks.length} fenced blocks in README.md and docs/*.md; ${configBlocks.length} YAML/JSON: ` +
        `${configBlocks.length - fragments - notConfig} whole configs, ${fragments} fragments, ${notConfig} not configs`,
    );
    assert.ok(configBlocks.length >= 20, 'the extractor finds the blocks');
  });

  for (const block of configBlocks) {
    it(block.where, () => {
      const parts = markerParts(block);
      const fileName = `${block.where}.${block.lang === 'yml' ? 'yaml' : block.lang}`;
      const source = parseSource(block.text, fileName); // throws with line and frame on a syntax error
      if (parts.has('not-config')) {
        const why = parts.get('not-config') ?? '';
        assert.ok(why, `${block.where}: say why it is not a config`);
        if (why.startsWith('a mock-upstream script')) parseScript(source.data, block.where); // throws on any problem
        return;
      }
      const env = Object.fromEntries(
        (parts.get('env') ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          // Long enough for keys that demand a random secret (admin.token: 16+ characters).
          .map((name) => [name, 'example-0123456789abcdef']),
      );
      const data = parts.has('fragment') ? wrap(source.data, parts.get('fragment') ?? '') : source.data;
      // Throws ConfigError listing every problem, located in the block.
      parseConfig(data, fileName, env, parts.has('fragment') ? undefined : source.locate);
    });
  }
});
