// Drives the conformance fixture server with the real SDK v2 Client over stdio and HTTP, in both protocol eras
// (legacy initialize handshake, and 'auto' negotiation, which lands on 2026-07-28).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult, ContentBlock, ElicitRequest, Transport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const FIXTURE_DIR = 'test/fixtures/conformance-server';
const TEST_TIMEOUT_MS = 30_000;

type Mode = 'legacy' | 'auto';
type TransportKind = 'stdio' | 'http';

/** Starts the HTTP fixture on a free port; resolves once it printed its URL. */
async function startHttpFixture(): Promise<{ url: URL; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', `${FIXTURE_DIR}/http.ts`, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  for await (const chunk of child.stdout ?? []) {
    output += String(chunk);
    const match = /listening (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(output);
    if (match?.[1]) return { url: new URL(match[1]), child };
  }
  throw new Error(`fixture exited before listening: ${output}`);
}

/** Fills an elicitation form from its schema: booleans true, numbers 1, strings "Ada". */
function answerElicitation(request: ElicitRequest): { action: 'accept'; content: Record<string, string | number | boolean> } {
  const content: Record<string, string | number | boolean> = {};
  const properties = 'requestedSchema' in request.params ? request.params.requestedSchema.properties : {};
  for (const [key, schema] of Object.entries(properties)) {
    content[key] = schema.type === 'boolean' ? true : schema.type === 'number' || schema.type === 'integer' ? 1 : 'Ada';
  }
  return { action: 'accept', content };
}

async function connect(kind: TransportKind, mode: Mode, url: URL | undefined): Promise<Client> {
  const client = new Client(
    { name: 'fixture-server-test', version: '1.0.0' },
    { capabilities: { sampling: {}, elicitation: {}, roots: {} }, versionNegotiation: { mode } },
  );
  client.setRequestHandler('elicitation/create', (request) => answerElicitation(request));
  client.setRequestHandler('sampling/createMessage', () => ({
    role: 'assistant',
    content: { type: 'text', text: 'sampled text' },
    model: 'test-model',
    stopReason: 'endTurn',
  }));
  client.setRequestHandler('roots/list', () => ({ roots: [{ uri: 'file:///tmp/root', name: 'root' }] }));
  let transport: Transport;
  if (kind === 'http') {
    if (!url) throw new Error('HTTP fixture not started');
    transport = new StreamableHTTPClientTransport(url);
  } else {
    transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', `${FIXTURE_DIR}/stdio.ts`],
      cwd: process.cwd(),
      stderr: 'inherit',
    });
  }
  await client.connect(transport);
  return client;
}

function firstText(content: ContentBlock[] | undefined): string {
  const block = content?.find((c) => c.type === 'text');
  return block?.type === 'text' ? block.text : '';
}

async function callText(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  assert.notEqual(result.isError, true, `${name} returned an error: ${JSON.stringify(result.content)}`);
  return firstText(result.content);
}

let http: { url: URL; child: ChildProcess } | undefined;
before(async () => {
  http = await startHttpFixture();
});
after(async () => {
  if (!http || http.child.exitCode !== null) return;
  http.child.kill('SIGTERM');
  await once(http.child, 'exit');
});

for (const kind of ['stdio', 'http'] as const) {
  for (const mode of ['legacy', 'auto'] as const) {
    const era = mode === 'auto' ? 'modern' : 'legacy';
    void describe(`fixture over ${kind}, ${era} era`, { timeout: TEST_TIMEOUT_MS }, () => {
      let client: Client;
      before(async () => {
        client = await connect(kind, mode, http?.url);
      });
      after(async () => {
        await client.close();
      });

      void it(`negotiates the ${era} era`, () => {
        assert.equal(client.getProtocolEra(), era);
      });

      void it('lists tools with their schemas verbatim', async () => {
        const { tools } = await client.listTools();
        assert.equal(tools[0]?.name, 'test_simple_text');
        const schemaTool = tools.find((t) => t.name === 'json_schema_2020_12_tool');
        assert.equal(schemaTool?.inputSchema.$schema, 'https://json-schema.org/draft/2020-12/schema');
        assert.ok(schemaTool?.inputSchema.$defs, '$defs preserved');
      });

      void it('calls content tools', async () => {
        assert.equal(await callText(client, 'test_simple_text'), 'This is a simple text response for testing.');
        const error = (await client.callTool({ name: 'test_error_handling', arguments: {} })) as CallToolResult;
        assert.equal(error.isError, true);
      });

      void it('reports progress', async () => {
        const progress: number[] = [];
        await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, { onprogress: (p) => progress.push(p.progress) });
        // SDK client 2.4.0 runs notification handlers a microtask late, so over stdio the final progress (read in
        // the same chunk as the response) can arrive after its handler is gone (typescript-sdk#2580).
        const expected = kind === 'stdio' && progress.length === 2 ? [0, 50] : [0, 50, 100];
        assert.deepEqual(progress, expected);
      });

      void it('asks the client for input (server→client request or InputRequiredResult)', async () => {
        assert.match(await callText(client, 'test_elicitation', { message: 'Who are you?' }), /User response: action=accept/);
        assert.equal(await callText(client, 'test_sampling', { prompt: 'Say hi' }), 'LLM response: sampled text');
      });

      void it('runs a multi-round input flow with sealed requestState', async () => {
        assert.equal(await callText(client, 'test_input_required_result_multi_round'), 'Name Ada, favourite colour Ada');
        assert.match(await callText(client, 'test_input_required_result_request_state'), /state-ok/);
      });

      void it('reads static and templated resources', async () => {
        const text = await client.readResource({ uri: 'test://static-text' });
        assert.deepEqual(text.contents[0], {
          uri: 'test://static-text',
          mimeType: 'text/plain',
          text: 'This is the content of the static text resource.',
        });
        const templated = await client.readResource({ uri: 'test://template/42/data' });
        const first = templated.contents[0];
        assert.ok(first && 'text' in first && first.text.includes('"id":"42"'));
      });

      if (era === 'legacy') {
        void it('notifies resource subscribers (2025 session feature)', async () => {
          const updated = new Promise<string>((resolve) =>
            client.setNotificationHandler('notifications/resources/updated', (n) => resolve(n.params.uri)),
          );
          await client.subscribeResource({ uri: 'test://watched-resource' });
          await callText(client, 'test_touch_watched_resource');
          assert.equal(await updated, 'test://watched-resource');
          await client.unsubscribeResource({ uri: 'test://watched-resource' });
        });
      }

      void it('renders prompts and completes arguments', async () => {
        const prompt = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'one', arg2: 'two' } });
        assert.deepEqual(prompt.messages[0]?.content, { type: 'text', text: "Prompt with arguments: arg1='one', arg2='two'" });
        const completion = await client.complete({
          ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' },
          argument: { name: 'arg1', value: 'pa' },
        });
        assert.deepEqual(completion.completion.values, ['paris', 'park', 'party']);
      });
    });
  }
}
