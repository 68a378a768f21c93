// Each caller served in its own era (issue 7, items 2 and 3), with real SDK v2 clients and the conformance
// fixture as the upstream:
// - a modern caller of a legacy-only upstream: the upstream's sampling/elicitation/roots requests reach the
//   modern client as an InputRequiredResult, its handlers run, the retried call returns the tool result;
// - a legacy caller of a dual-era upstream whose tools ask with the 2025 push API (fixture --push-input):
//   the gateway serves it over the upstream's legacy protocol, so the push-style request reaches it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { connect, startGateway, type TestGateway } from '../helpers/gateway.js';
import { startFixture, type Fixture } from '../helpers/fixture-http.js';

const FIXTURE_STDIO = new URL('../fixtures/conformance-server/stdio.ts', import.meta.url).pathname;
const stdioFixture = (...extra: string[]) => ({ command: process.execPath, args: ['--import', 'tsx', FIXTURE_STDIO, ...extra] });

type ToolResult = { content?: { type: string; text?: string }[]; isError?: boolean };
const textOf = (r: unknown): string => (r as ToolResult).content?.map((c) => c.text ?? '').join('') ?? '';

/** A client whose sampling/elicitation/roots handlers count their calls. */
async function clientWithHandlers(url: string, era: 'legacy' | 'modern', caps: Record<string, unknown>) {
  const calls = { sampling: 0, elicitation: 0, roots: 0 };
  const client: Client = await connect(url, era, caps);
  if (caps.sampling) {
    client.setRequestHandler('sampling/createMessage', () => {
      calls.sampling++;
      return { role: 'assistant', content: { type: 'text', text: 'Paris' }, model: 'test-model' };
    });
  }
  if (caps.elicitation) {
    client.setRequestHandler('elicitation/create', () => {
      calls.elicitation++;
      return { action: 'accept', content: { name: 'Ada', color: 'blue', username: 'ada', email: 'ada@example.com', ok: true } };
    });
  }
  if (caps.roots) {
    client.setRequestHandler('roots/list', () => {
      calls.roots++;
      return { roots: [{ uri: 'file:///work', name: 'work' }] };
    });
  }
  return { client, calls };
}

const ALL_CAPS = { sampling: {}, elicitation: {}, roots: {} };

for (const transport of ['stdio', 'http'] as const) {
  void describe(`modern caller, legacy-only ${transport} upstream (input bridge)`, () => {
    let gw: TestGateway;
    let fixture: Fixture | undefined;
    before(async () => {
      fixture = transport === 'http' ? await startFixture() : undefined;
      const upstream = fixture ? { url: fixture.url } : stdioFixture();
      // Configured roots make the gateway declare `roots` upstream; a caller that declares roots is asked first.
      gw = await startGateway({ upstreams: { fx: { ...upstream, prefix: '', era: 'legacy', roots: [{ uri: 'file:///configured' }] } } });
    });
    after(async () => {
      await gw?.stop();
      await fixture?.stop('SIGTERM');
    });

    void it('invokes the modern client sampling handler and returns the tool result', async (t) => {
      const { client, calls } = await clientWithHandlers(gw.url, 'modern', ALL_CAPS);
      try {
        const result = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'Capital of France?' } });
        assert.equal(textOf(result), 'LLM response: Paris');
        assert.equal(calls.sampling, 1);
        assert.equal(gw.gateway.inputBridge.parked, 0, 'the parked call was taken by the retry');
        t.diagnostic(`parked after the call: ${gw.gateway.inputBridge.parked}`);
      } finally {
        await client.close();
      }
    });

    void it('bridges elicitation, roots and multi-round flows', async () => {
      const { client, calls } = await clientWithHandlers(gw.url, 'modern', ALL_CAPS);
      try {
        assert.match(textOf(await client.callTool({ name: 'test_elicitation', arguments: { message: 'Who?' } })), /action=accept/);
        assert.equal(textOf(await client.callTool({ name: 'test_input_required_result_elicitation', arguments: {} })), 'Hello, Ada!');
        assert.match(textOf(await client.callTool({ name: 'test_input_required_result_list_roots', arguments: {} })), /file:\/\/\/work/);
        assert.match(textOf(await client.callTool({ name: 'test_input_required_result_multi_round', arguments: {} })), /Ada/);
        assert.ok(calls.elicitation >= 3);
        assert.equal(calls.roots, 1);
      } finally {
        await client.close();
      }
    });

    void it('fails with -32021 when the modern caller did not declare the capability', async () => {
      const { client } = await clientWithHandlers(gw.url, 'modern', {});
      try {
        await assert.rejects(client.callTool({ name: 'test_sampling', arguments: { prompt: 'x' } }), (err: { code?: number }) => {
          assert.equal(err.code, -32021);
          return true;
        });
        assert.equal(gw.gateway.inputBridge.parked, 0);
      } finally {
        await client.close();
      }
    });
  });
}

for (const transport of ['stdio', 'http'] as const) {
  void describe(`dual-era ${transport} upstream with push-style tools (fixture --push-input)`, () => {
    let gw: TestGateway;
    let fixture: Fixture | undefined;
    before(async () => {
      fixture = transport === 'http' ? await startFixture(0, ['--push-input']) : undefined;
      const upstream = fixture ? { url: fixture.url } : stdioFixture('--push-input');
      // On stdio a probe left unanswered means legacy: tsx starting on a busy machine needs more than the default 5 s.
      gw = await startGateway({ upstreams: { fx: { ...upstream, prefix: '', era: 'dual', connectTimeoutMs: 60_000 } } }, 60_000);
      assert.equal(gw.gateway.upstreams.get('fx')?.[0]?.info?.era, 'modern', 'the probe found the modern era');
    });
    after(async () => {
      await gw?.stop();
      await fixture?.stop('SIGTERM');
    });

    void it('serves a legacy caller over the legacy protocol: the push-style sampling request reaches it', async () => {
      const { client, calls } = await clientWithHandlers(gw.url, 'legacy', ALL_CAPS);
      try {
        const result = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'Capital of France?' } });
        assert.equal(textOf(result), 'LLM response: Paris');
        assert.equal(calls.sampling, 1);
        const elicited = await client.callTool({ name: 'test_elicitation_sep1034_defaults', arguments: {} });
        assert.match(textOf(elicited), /Elicitation completed: action=accept/);
      } finally {
        await client.close();
      }
    });

    void it('still serves a modern caller over the modern protocol (MRTR tools pass through)', async () => {
      const { client, calls } = await clientWithHandlers(gw.url, 'modern', ALL_CAPS);
      try {
        assert.equal(textOf(await client.callTool({ name: 'test_input_required_result_elicitation', arguments: {} })), 'Hello, Ada!');
        assert.equal(calls.elicitation, 1);
        assert.equal(gw.gateway.inputBridge.parked, 0, 'a modern upstream needs no bridge');
      } finally {
        await client.close();
      }
    });
  });
}
