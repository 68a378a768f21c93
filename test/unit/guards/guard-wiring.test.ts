// The route compiler's guards: schema validation from the tool's current definition, recompiled when the
// tool list changes; outputSchema checks on results; per-upstream opt-out; configured guards by tool glob.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PipelineCompiler } from '../../../src/app/pipeline-compiler.js';
import { parseConfig, type BreakwaterConfigInput } from '../../../src/config/index.js';
import { GatewayError } from '../../../src/errors/index.js';
import type { CallResult, Route } from '../../../src/pipeline/index.js';
import { makeCtx, ManualClock } from '../policies/_support.js';

const route = (target: string): Route => ({ upstream: 'up', kind: 'tool', name: `up__${target}`, target });
const OFF = { timeoutMs: 0, breaker: { enabled: false }, bulkhead: { enabled: false }, healthCheck: { intervalMs: 0 } };

function setup(
  upstream: Record<string, unknown>,
  definitions: Record<string, Record<string, unknown>>,
  result: CallResult = { content: [] },
) {
  const input = { upstreams: { up: { url: 'http://127.0.0.1:9/mcp', policies: OFF, ...upstream } } } as BreakwaterConfigInput;
  const { config } = parseConfig(input, '<unit>');
  let upstreamCalls = 0;
  const compiler = new PipelineCompiler(
    config,
    async () => {
      upstreamCalls++;
      return result;
    },
    { toolDefinition: (r) => definitions[r.target] },
  );
  const call = (target: string, args: Record<string, unknown>) =>
    compiler.forRoute(route(target))(makeCtx(new ManualClock(), { route: route(target), params: { name: target, arguments: args } }));
  return { compiler, call, calls: () => upstreamCalls };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof GatewayError ? `${e.code} ${String(e.data?.rule)} ${String(e.data?.path)}` : String(e);
  }
}

void describe('guards in the route compiler', () => {
  void it("validates against the tool's current inputSchema and recompiles when the tool list changes", async () => {
    const defs: Record<string, Record<string, unknown>> = {
      add: { name: 'add', inputSchema: { type: 'object', properties: { a: { type: 'number' } } } },
    };
    const { compiler, call, calls } = setup({}, defs);
    assert.equal(await code(call('add', { a: 'x' })), 'GW_GUARD_REJECTED schema.type /a');
    assert.equal(await code(call('add', { a: 1 })), 'ok');
    // The upstream changes the tool: `a` becomes a string. Until the list change, the old schema holds.
    defs.add = { name: 'add', inputSchema: { type: 'object', properties: { a: { type: 'string' } } } };
    assert.equal(await code(call('add', { a: 'x' })), 'GW_GUARD_REJECTED schema.type /a');
    await compiler.listChanged('up', 'tools');
    assert.equal(await code(call('add', { a: 'x' })), 'ok');
    assert.equal(await code(call('add', { a: 1 })), 'GW_GUARD_REJECTED schema.type /a');
    assert.equal(calls(), 2, 'refused calls never reached the upstream');
  });

  void it('per-upstream opt-out, monitor mode, and configured guards by tool glob', async () => {
    const defs = { q: { name: 'q', inputSchema: { type: 'object', properties: { sql: { type: 'string' } }, required: ['sql'] } } };
    const off = setup({ guards: { schema: { enabled: false } } }, defs);
    assert.equal(await code(off.call('q', {})), 'ok');
    const monitor = setup({ guards: { schema: { mode: 'monitor' } } }, defs);
    assert.equal(await code(monitor.call('q', {})), 'ok');
    const sql = setup(
      { guards: { tools: { 'q*': [{ type: 'sql', args: ['/sql'] }], other: [{ type: 'length', args: ['/sql'], maxLength: 1 }] } } },
      defs,
    );
    assert.equal(await code(sql.call('q', { sql: 'SELECT 1' })), 'ok');
    assert.equal(await code(sql.call('q', { sql: 'DELETE FROM t' })), 'GW_GUARD_REJECTED sql.not-a-read /sql');
    assert.equal(sql.compiler.policiesFor(route('q')).filter((p) => p.name === 'guards').length, 1);
  });

  void it('output: true checks structuredContent against the outputSchema (error results pass as they are)', async () => {
    const defs = {
      t: {
        name: 't',
        inputSchema: { type: 'object' },
        outputSchema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] },
      },
    };
    const bad = setup({ guards: { schema: { output: true } } }, defs, { content: [], structuredContent: { n: 'x' } });
    assert.equal(await code(bad.call('t', {})), 'GW_GUARD_REJECTED schema.type /result/structuredContent/n');
    const good = setup({ guards: { schema: { output: true } } }, defs, { content: [], structuredContent: { n: 1 } });
    assert.equal(await code(good.call('t', {})), 'ok');
    const errorResult = setup({ guards: { schema: { output: true } } }, defs, {
      content: [],
      isError: true,
      structuredContent: { n: 'x' },
    });
    assert.equal(await code(errorResult.call('t', {})), 'ok');
    const notAsked = setup({}, defs, { content: [], structuredContent: { n: 'x' } });
    assert.equal(await code(notAsked.call('t', {})), 'ok');
  });
});
