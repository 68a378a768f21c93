// The code and content guards through the gateway with real upstreams, SDK v2 callers of both eras: a code
// argument with a dangerous call is refused (GW_GUARD_REJECTED naming the argument and rule, never the code),
// active HTML in an argument is sanitised before it reaches the upstream, a secret in a result is redacted;
// and the false-positive rate of the content guard on the demo upstreams' real outputs (server-everything,
// server-filesystem reading this repository's ADRs and config fixtures, server-memory).
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { GuardDecisionEvent } from '../../src/observability/index.js';
import { connect, everythingStdio, serverEntry, startGateway } from '../helpers/gateway.js';

const CONTENT_ON_RESULTS = {
  type: 'content',
  results: ['/content/*/text', '/structuredContent'],
  html: 'sanitize',
  secrets: 'redact',
} as const;

describe('code and content guards through the gateway', () => {
  it('refuses dangerous code, sanitises HTML arguments and redacts secrets in results, in both eras', async (t) => {
    const gw = await startGateway({
      upstreams: {
        ev: {
          ...everythingStdio(),
          guards: {
            tools: {
              echo: [
                { type: 'code', args: ['/message'], language: 'python' },
                { type: 'content', args: ['/message'], html: 'sanitize', secrets: 'off' },
                CONTENT_ON_RESULTS,
              ],
            },
          },
        },
      },
    });
    const legacy = await connect(gw.url, 'legacy');
    const modern = await connect(gw.url, 'modern');
    t.after(async () => {
      await Promise.allSettled([legacy.close(), modern.close()]);
      await gw.stop();
    });
    const text = (r: { content?: unknown }) => (r.content as { text: string }[])[0]!.text;
    for (const [era, client] of [
      ['legacy', legacy],
      ['modern', modern],
    ] as const) {
      const code = "__import__('os').system('cat /etc/passwd')";
      await assert.rejects(
        client.callTool({ name: 'ev__echo', arguments: { message: code } }),
        (err: Error & { code?: number; data?: { code?: string; path?: string; rule?: string } }) => {
          assert.equal(err.code, -32602, `${era}: ${err.message}`);
          assert.equal(err.data?.code, 'GW_GUARD_REJECTED');
          assert.equal(err.data?.path, '/message');
          assert.equal(err.data?.rule, 'code.dynamic-eval');
          assert.ok(!err.message.includes('/etc/passwd'), 'the refusal never echoes the code');
          return true;
        },
      );
      const html = await client.callTool({ name: 'ev__echo', arguments: { message: "'<img src=x onerror=alert(1)>'" } });
      assert.equal(text(html), 'Echo: \'<img src="x">\'', `${era}: the upstream got the sanitised argument`);
      const secret = await client.callTool({ name: 'ev__echo', arguments: { message: "print('deploy') # AKIAZ7XQ3MPLR2D5VW4Q" } });
      assert.equal(text(secret), "Echo: print('deploy') # [REDACTED:aws-access-key]", `${era}: the secret is redacted in the result`);
    }
  });

  it('measures false positives on the demo upstreams’ outputs (target < 1 %)', async (t) => {
    const scratch = mkdtempSync(join(tmpdir(), 'bw-demo-fp-'));
    t.after(() => rmSync(scratch, { recursive: true, force: true }));
    // Files that rarely change, so the figure is stable: the ADRs and the config fixtures.
    cpSync(new URL('../../docs/adr/', import.meta.url).pathname, join(scratch, 'docs', 'adr'), { recursive: true });
    cpSync(new URL('../fixtures/config/', import.meta.url).pathname, join(scratch, 'docs', 'config'), { recursive: true });
    const node = process.execPath;
    // Secrets and PII on every result; HTML sanitising belongs on fields that are HTML (a markdown file that
    // shows `<script>` in a code span would be "sanitised").
    const guards = { tools: { '*': [{ ...CONTENT_ON_RESULTS, html: 'off' as const }] } };
    const gw = await startGateway({
      upstreams: {
        everything: { ...everythingStdio(), guards },
        fs: { command: node, args: [serverEntry('@modelcontextprotocol/server-filesystem'), scratch], guards },
        memory: {
          command: node,
          args: [serverEntry('@modelcontextprotocol/server-memory')],
          env: { MEMORY_FILE_PATH: join(scratch, 'memory.json') },
          guards,
        },
      },
    });
    const events: GuardDecisionEvent[] = [];
    const off = gw.gateway.channels.guard.subscribe((e) => events.push(e));
    const client = await connect(gw.url, 'legacy');
    t.after(async () => {
      off();
      await client.close();
      await gw.stop();
    });
    const calls: [string, Record<string, unknown>][] = [
      ['everything__echo', { message: 'Hello from the demo' }],
      ['everything__get-sum', { a: 17, b: 25 }],
      ...['error', 'success', 'debug'].map(
        (messageType) => ['everything__get-annotated-message', { messageType, includeImage: false }] as [string, Record<string, unknown>],
      ),
      ['everything__get-env', {}],
      ['everything__get-resource-links', { count: 5 }],
      ['everything__get-resource-reference', { resourceType: 'Text', resourceId: 2 }],
      ...['New York', 'Chicago', 'Los Angeles'].map(
        (location) => ['everything__get-structured-content', { location }] as [string, Record<string, unknown>],
      ),
      ['everything__get-tiny-image', {}],
      ['fs__list_allowed_directories', {}],
      ['fs__list_directory', { path: join(scratch, 'docs') }],
      ['fs__directory_tree', { path: join(scratch, 'docs') }],
      ['fs__search_files', { path: scratch, pattern: '*.md' }],
      ...['adr', 'config'].flatMap((d) =>
        readdirSync(join(scratch, 'docs', d)).map(
          (f) => ['fs__read_text_file', { path: join(scratch, 'docs', d, f) }] as [string, Record<string, unknown>],
        ),
      ),
      ['fs__get_file_info', { path: join(scratch, 'docs') }],
      [
        'memory__create_entities',
        { entities: [{ name: 'Apollo', entityType: 'project', observations: ['launched in 1969', 'managed by NASA'] }] },
      ],
      ['memory__create_relations', { relations: [{ from: 'Apollo', to: 'Apollo', relationType: 'inspires' }] }],
      ['memory__read_graph', {}],
      ['memory__search_nodes', { query: 'Apollo' }],
    ];
    const flagged: string[] = [];
    let outputs = 0;
    for (const [name, args] of calls) {
      const before = events.filter((e) => e.decision !== 'allow').length;
      const result = await client.callTool({ name, arguments: args });
      assert.notEqual(result.isError, true, `${name}: ${JSON.stringify(result.content).slice(0, 200)}`);
      outputs++;
      const hits = events.slice(before).filter((e) => e.decision !== 'allow');
      if (events.filter((e) => e.decision !== 'allow').length > before)
        flagged.push(`${name} ${JSON.stringify(args).slice(0, 60)}: ${hits.map((h) => h.rule).join(',')}`);
    }
    const rate = flagged.length / outputs;
    t.diagnostic(
      `content guard on demo outputs: ${flagged.length}/${outputs} outputs changed = ${(rate * 100).toFixed(2)} %${flagged.length ? `: ${flagged.join(' | ')}` : ''}`,
    );
    assert.ok(outputs >= 30, `${outputs} outputs`);
    assert.ok(rate < 0.01, flagged.join('\n'));
  });
});
