// Both protocol eras through one endpoint, in front of real MCP servers over stdio and HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { connect, everythingStdio, serverEntry, startFixtureHttp, startGateway, type TestGateway } from '../helpers/gateway.js';

describe('gateway in front of server-everything (stdio), server-memory (stdio) and the fixture (HTTP)', () => {
  let gw: TestGateway;
  let fixture: Awaited<ReturnType<typeof startFixtureHttp>>;

  before(async () => {
    fixture = await startFixtureHttp();
    gw = await startGateway({
      upstreams: {
        everything: { ...everythingStdio(), tools: { deny: ['get-env'] } },
        memory: {
          command: process.execPath,
          args: [serverEntry('@modelcontextprotocol/server-memory')],
          env: { MEMORY_FILE_PATH: `/tmp/bw-e2e-memory-${process.pid}.jsonl` },
        },
        fx: { url: fixture.url },
      },
    });
  });
  after(async () => {
    await gw?.stop();
    await fixture?.stop();
  });

  for (const era of ['legacy', 'modern'] as const) {
    it(`${era} client lists namespaced tools of every upstream and calls them`, async () => {
      const client = await connect(gw.url, era);
      try {
        const { tools } = await client.listTools();
        const names = tools.map((t) => t.name);
        assert.ok(names.includes('everything__echo'), 'stdio upstream tools are prefixed');
        assert.ok(names.includes('memory__read_graph'));
        assert.ok(names.includes('fx__test_simple_text'), 'HTTP upstream tools are prefixed');
        assert.ok(!names.includes('everything__get-env'), 'deny filter hides the tool');
        const echo = await client.callTool({ name: 'everything__echo', arguments: { message: `hi ${era}` } });
        assert.deepEqual(echo.content, [{ type: 'text', text: `Echo: hi ${era}` }]);
        const text = await client.callTool({ name: 'fx__test_simple_text', arguments: {} });
        assert.equal((text.content as { text: string }[])[0]?.text, 'This is a simple text response for testing.');
      } finally {
        await client.close();
      }
    });
  }

  it('passes tool schemas through verbatim (every keyword kept)', async () => {
    const direct = new Client({ name: 'direct', version: '1' });
    await direct.connect(new StreamableHTTPClientTransport(new URL(fixture.url)));
    const client = await connect(gw.url, 'legacy');
    try {
      const mine = (await direct.listTools()).tools;
      const theirs = new Map((await client.listTools()).tools.map((t) => [t.name, t]));
      assert.ok(mine.length > 5);
      for (const tool of mine) {
        const via = theirs.get(`fx__${tool.name}`);
        assert.ok(via, `fx__${tool.name} listed`);
        assert.deepEqual(via.inputSchema, tool.inputSchema, `${tool.name} inputSchema`);
        assert.deepEqual(via.outputSchema, tool.outputSchema, `${tool.name} outputSchema`);
        assert.deepEqual(via.annotations, tool.annotations, `${tool.name} annotations`);
      }
    } finally {
      await direct.close();
      await client.close();
    }
  });

  it('answers an unknown tool with -32602 naming the field', async () => {
    const client = await connect(gw.url, 'legacy');
    try {
      await assert.rejects(client.callTool({ name: 'nope__missing', arguments: {} }), (err: { code?: number; message: string }) => {
        assert.equal(err.code, -32602);
        assert.match(err.message, /Unknown tool: nope__missing/);
        return true;
      });
    } finally {
      await client.close();
    }
  });

  it('aggregates prompts and resources and routes reads, gets and completions', async () => {
    for (const era of ['legacy', 'modern'] as const) {
      const client = await connect(gw.url, era);
      try {
        const { prompts } = await client.listPrompts();
        assert.ok(prompts.some((p) => p.name === 'fx__test_simple_prompt'));
        assert.ok(prompts.some((p) => p.name.startsWith('everything__')));
        const prompt = await client.getPrompt({ name: 'fx__test_prompt_with_arguments', arguments: { arg1: 'a', arg2: 'b' } });
        assert.ok(prompt.messages.length > 0);
        const { resources } = await client.listResources();
        assert.ok(resources.some((r) => r.uri === 'test://static-text'));
        const read = await client.readResource({ uri: 'test://static-text' });
        assert.equal(read.contents[0]?.uri, 'test://static-text');
        const templated = await client.readResource({ uri: 'test://template/42/data' });
        assert.match(JSON.stringify(templated.contents), /42/);
        const completion = await client.complete({
          ref: { type: 'ref/prompt', name: 'fx__test_prompt_with_arguments' },
          argument: { name: 'arg1', value: '' },
        });
        assert.ok(Array.isArray(completion.completion.values));
      } finally {
        await client.close();
      }
    }
  });
});
