// Issue 8 item 5: every code of the error catalogue, walked through both transports (HTTP, stdio) and both
// protocol eras (legacy session, modern envelope). Each provocable cell checks the JSON-RPC code, data.code
// and (HTTP) the status: the catalogue's status for a rejection at the edge; for an error answered in band
// 200 (legacy: the call's own response; modern: modernInBandStatus). A cell that cannot be provoked names
// why, and a code added to the catalogue without a row here fails the first test.
// Design: docs/adr/0007-one-error-path-to-the-wire.md.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../src/core/index.js';
import { ERROR_CODES, type GatewayErrorCode } from '../../src/errors/index.js';
import { modernInBandStatus } from '../../src/transport/http/send-error.js';
import { StdioServer } from '../../src/transport/stdio/stdio-server.js';
import { fixtureStdio, startGateway, type TestGateway } from '../helpers/gateway.js';
import { mockFiles, nodeArgs, waitFor } from '../helpers/mock-upstream.js';

type Transport = 'http' | 'stdio';
type Era = 'legacy' | 'modern';
interface Cell {
  readonly transport: Transport;
  readonly era: Era;
}
const CELLS: readonly Cell[] = [
  { transport: 'http', era: 'legacy' },
  { transport: 'http', era: 'modern' },
  { transport: 'stdio', era: 'legacy' },
  { transport: 'stdio', era: 'modern' },
];
const label = (c: Cell): string => `${c.transport}/${c.era}`;

interface RpcError {
  code: number;
  message: string;
  data?: { code?: string } & Record<string, unknown>;
}
/** What came back: the HTTP status (absent on stdio) and the JSON-RPC error. */
interface Reply {
  status?: number;
  error?: RpcError;
  raw: unknown;
}

/** How a code is answered: at the edge (its catalogue status) or in band (200 / modern in-band status). */
type Where = 'edge' | 'in-band';
/** How to provoke a code in one cell, or why it cannot be. */
type Provoke = (cell: Cell) => Promise<Reply> | string;
interface Row {
  readonly where: Where;
  readonly provoke: Provoke;
}
/** A code whose walk lives with the feature still being built beside this suite: the file that covers it. */
interface Elsewhere {
  readonly elsewhere: string;
  readonly reason: string;
}

const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';
const envelope = (caps: Record<string, unknown> = {}) => ({
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientCapabilities': caps,
  'io.modelcontextprotocol/clientInfo': { name: 'error-walk', version: '1' },
});

const hangMock = mockFiles({ tools: { hang: { hang: true } } });
const crashMock = mockFiles({ tools: { crash: { crashAfterCalls: 0 } } });
const badMock = mockFiles({ tools: { bad: { malformed: 'wrong-version' } } });
const failMock = mockFiles({ tools: { fail: { error: { code: -32603, message: 'boom' } } } });
/** The mock's counters, empty until its stats file is first written. */
function hangCalls(): number {
  try {
    return hangMock.readStats().calls.hang ?? 0;
  } catch {
    return 0;
  }
}
const mock = (files: { flags: string[] }) => ({ command: process.execPath, args: nodeArgs(files.flags) });

void describe('error path: every catalogue code, both eras, HTTP and stdio', () => {
  let gw: TestGateway;
  let session = '';
  let nextId = 0;
  const stdio = { input: new PassThrough(), output: new PassThrough() };
  const fresh = { input: new PassThrough(), output: new PassThrough() }; // never initialized
  const waiters = new Map<unknown, (m: Record<string, unknown>) => void>();
  const anonymous: ((m: Record<string, unknown>) => void)[] = [];

  before(async () => {
    gw = await startGateway(
      {
        server: { maxBodyBytes: 65_536 },
        upstreams: {
          fx: { ...fixtureStdio(), era: 'legacy' }, // legacy: its sampling requests meet the gateway's input bridge
          o: { ...mock(hangMock), policies: { timeoutMs: 600, bulkhead: { maxConcurrent: 1, maxQueue: 0 } } },
          c: { ...mock(crashMock), policies: { breaker: { enabled: false } } },
          p: { ...mock(badMock), policies: { breaker: { enabled: false } } },
          b: { ...mock(failMock), policies: { breaker: { consecutiveFailures: 1, openMs: 60_000, maxOpenMs: 60_000 } } },
        },
      },
      30_000,
    );
    for (const pair of [stdio, fresh]) {
      new StdioServer(gw.gateway.layer, pair.input, pair.output, silentLogger);
      createInterface({ input: pair.output }).on('line', (line) => {
        const message = JSON.parse(line) as Record<string, unknown>;
        if (message.id === null) return anonymous.shift()?.(message);
        waiters.get(message.id)?.(message);
      });
    }
    const init = { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: 'error-walk', version: '1' } };
    const res = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: init }),
    });
    session = res.headers.get('mcp-session-id') ?? '';
    await res.arrayBuffer();
    assert.ok(session, 'legacy session opened');
    await stdioSend(stdio, { jsonrpc: '2.0', id: 'init', method: 'initialize', params: init });
    // Trip b's breaker once: every later call to it is GW_CIRCUIT_OPEN.
    assert.equal(
      (await call({ transport: 'stdio', era: 'legacy' }, 'tools/call', { name: 'b__fail', arguments: {} })).error?.message,
      'boom',
    );
  });
  after(async () => {
    stdio.input.end();
    fresh.input.end();
    await gw?.stop();
    for (const m of [hangMock, crashMock, badMock, failMock]) m.cleanup();
  });

  // --- the wires -------------------------------------------------------------------------------------------

  function stdioSend(pair: typeof stdio, message: Record<string, unknown> | string): Promise<Reply> {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    const id = typeof message === 'string' ? null : (message.id ?? null);
    return new Promise((resolve) => {
      const done = (m: Record<string, unknown>) => resolve({ error: m.error as RpcError | undefined, raw: m });
      if (id === null) anonymous.push(done);
      else waiters.set(id, done);
      pair.input.write(text + '\n');
    });
  }

  async function httpSend(body: string, headers: Record<string, string>, method = 'POST'): Promise<Reply> {
    const res = await fetch(gw.url, { method, headers, body: method === 'POST' ? body : undefined });
    const text = await res.text();
    let raw: unknown = text;
    try {
      raw = JSON.parse(text);
    } catch {
      // an empty or non-JSON body: the assertion on `error` below says so
    }
    return { status: res.status, error: (raw as { error?: RpcError } | null)?.error, raw };
  }

  function httpHeaders(era: Era, method: string, name?: string): Record<string, string> {
    const base = { 'content-type': 'application/json', accept: 'application/json' };
    if (era === 'legacy') return { ...base, 'mcp-session-id': session, 'mcp-protocol-version': LEGACY };
    return { ...base, 'mcp-protocol-version': MODERN, 'mcp-method': method, ...(name === undefined ? {} : { 'mcp-name': name }) };
  }

  /** A well-formed request in `cell`'s era and transport. */
  function call(cell: Cell, method: string, params: Record<string, unknown> = {}, caps?: Record<string, unknown>): Promise<Reply> {
    const id = ++nextId;
    const full = cell.era === 'modern' ? { ...params, _meta: envelope(caps) } : params;
    const message = { jsonrpc: '2.0', id, method, params: full };
    if (cell.transport === 'stdio') return stdioSend(stdio, message);
    const name = typeof params.name === 'string' ? params.name : undefined;
    return httpSend(JSON.stringify(message), httpHeaders(cell.era, method, name));
  }

  /** Raw text in `cell`'s transport, with the era's headers on HTTP. */
  function raw(cell: Cell, text: string, extra: Record<string, string> = {}, method = 'POST'): Promise<Reply> {
    if (cell.transport === 'stdio') return stdioSend(stdio, text);
    return httpSend(text, { ...httpHeaders(cell.era, 'tools/list'), ...extra }, method);
  }

  const tool = (cell: Cell, name: string, args: Record<string, unknown> = {}): Promise<Reply> =>
    call(cell, 'tools/call', { name, arguments: args });
  const httpOnly =
    (f: (cell: Cell) => Promise<Reply>): Provoke =>
    (cell) =>
      cell.transport === 'http' ? f(cell) : 'stdio has no HTTP request to refuse (no headers, methods or status)';

  // --- the table ------------------------------------------------------------------------------------------

  const ROWS: Record<GatewayErrorCode, Row | Elsewhere> = {
    GW_PARSE_ERROR: { where: 'edge', provoke: (cell) => raw(cell, '{"jsonrpc": "2.0", "id": 1, "method"') },
    GW_INVALID_REQUEST: { where: 'edge', provoke: (cell) => raw(cell, JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'ping' }])) },
    GW_METHOD_NOT_FOUND: { where: 'in-band', provoke: (cell) => call(cell, 'nope/nothing') },
    GW_INVALID_PARAMS: { where: 'in-band', provoke: (cell) => call(cell, 'tools/call', { arguments: {} }) },
    GW_NOT_FOUND: { where: 'in-band', provoke: (cell) => tool(cell, 'nope__missing') },
    GW_INTERNAL: {
      where: 'edge',
      provoke: () => 'an unexpected fault of ours: no input provokes it by design (test/fuzz asserts none does)',
    },
    GW_HEADER_MISMATCH: {
      where: 'edge',
      provoke: (cell) => {
        if (cell.transport === 'stdio') return 'stdio carries no Mcp-* headers to disagree with the body';
        if (cell.era === 'legacy') return 'legacy requests carry no Mcp-Method / Mcp-Name headers';
        const message = {
          jsonrpc: '2.0',
          id: ++nextId,
          method: 'tools/call',
          params: { name: 'fx__echo', arguments: {}, _meta: envelope() },
        };
        return httpSend(JSON.stringify(message), httpHeaders('modern', 'tools/call', 'fx__other'));
      },
    },
    GW_MISSING_CLIENT_CAPABILITY: {
      where: 'in-band',
      provoke: (cell) =>
        cell.era === 'modern'
          ? tool(cell, 'fx__test_sampling', { prompt: 'x' })
          : 'legacy: the refusal is the answer to the upstream’s sampling request; the caller sees the upstream’s tool error',
    },
    GW_UNSUPPORTED_VERSION: {
      where: 'edge',
      provoke: (cell) => {
        if (cell.era === 'modern') {
          const message = {
            jsonrpc: '2.0',
            id: ++nextId,
            method: 'tools/list',
            params: { _meta: { ...envelope(), 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } },
          };
          return cell.transport === 'stdio'
            ? stdioSend(stdio, message)
            : httpSend(JSON.stringify(message), { ...httpHeaders('modern', 'tools/list'), 'mcp-protocol-version': '2099-01-01' });
        }
        if (cell.transport === 'stdio') return 'legacy stdio has no version header; initialize negotiates a version instead of refusing';
        return raw(cell, JSON.stringify({ jsonrpc: '2.0', id: ++nextId, method: 'tools/list' }), { 'mcp-protocol-version': '1999-01-01' });
      },
    },
    GW_SESSION_NOT_FOUND: {
      where: 'edge',
      provoke: (cell) => {
        if (cell.era === 'modern') return 'the modern era has no sessions';
        if (cell.transport === 'stdio') return 'a stdio connection is its one session; there is no id to get wrong';
        return raw(cell, JSON.stringify({ jsonrpc: '2.0', id: ++nextId, method: 'tools/list' }), { 'mcp-session-id': 'no-such-session' });
      },
    },
    GW_SESSION_REQUIRED: {
      where: 'edge',
      provoke: (cell) => {
        if (cell.era === 'modern') return 'the modern era is stateless: nothing to initialize';
        if (cell.transport === 'stdio') return stdioSend(fresh, { jsonrpc: '2.0', id: ++nextId, method: 'tools/list' });
        const headers = httpHeaders('legacy', 'tools/list');
        delete headers['mcp-session-id'];
        return httpSend(JSON.stringify({ jsonrpc: '2.0', id: ++nextId, method: 'tools/list' }), headers);
      },
    },
    GW_FORBIDDEN_ORIGIN: {
      where: 'edge',
      provoke: httpOnly((cell) => raw(cell, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), { origin: 'http://evil.example' })),
    },
    GW_UNAUTHENTICATED: {
      elsewhere: 'test/integration/auth-edge.test.ts',
      reason: 'needs authentication configured (a 401/403/429 before any JSON-RPC exchange); the auth edge suite walks it',
    },
    GW_INSUFFICIENT_SCOPE: {
      elsewhere: 'test/integration/auth-edge.test.ts',
      reason: 'needs authentication configured (a 401/403/429 before any JSON-RPC exchange); the auth edge suite walks it',
    },
    GW_AUTH_BLOCKED: {
      elsewhere: 'test/integration/auth-edge.test.ts',
      reason: 'needs authentication configured (a 401/403/429 before any JSON-RPC exchange); the auth edge suite walks it',
    },
    GW_METHOD_NOT_ALLOWED: { where: 'edge', provoke: httpOnly((cell) => raw(cell, '', {}, 'PUT')) },
    GW_NOT_ACCEPTABLE: {
      where: 'edge',
      provoke: httpOnly((cell) => raw(cell, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), { accept: 'text/plain' })),
    },
    GW_STREAM_CONFLICT: {
      where: 'edge',
      provoke: (cell) => {
        if (cell.transport === 'stdio') return 'stdio has no GET stream';
        if (cell.era === 'modern') return 'the modern era has no standalone GET stream';
        return streamConflict();
      },
    },
    GW_PAYLOAD_TOO_LARGE: {
      where: 'edge',
      provoke: (cell) =>
        cell.transport === 'http'
          ? raw(cell, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(70_000) } }))
          : 'stdio lines have no byte limit (only server.limits.maxJsonDepth); see the report of issue 8',
    },
    GW_LIMIT_EXCEEDED: { where: 'edge', provoke: (cell) => raw(cell, '['.repeat(1_000) + ']'.repeat(1_000)) },
    GW_TIMEOUT: { where: 'in-band', provoke: (cell) => tool(cell, 'o__hang') },
    GW_UPSTREAM_UNAVAILABLE: { where: 'in-band', provoke: (cell) => tool(cell, 'c__crash') },
    GW_UPSTREAM_PROTOCOL: { where: 'in-band', provoke: (cell) => tool(cell, 'p__bad') },
    GW_CIRCUIT_OPEN: { where: 'in-band', provoke: (cell) => tool(cell, 'b__fail') },
    GW_OVERLOADED: { where: 'in-band', provoke: (cell) => overloaded(cell) },
    GW_CANCELLED: { where: 'in-band', provoke: () => 'a cancelled call is never answered (the caller left); it is logged and counted' },
    GW_SHUTTING_DOWN: { where: 'in-band', provoke: () => 'walked last, in its own test: draining cannot be undone' },
    GW_RATE_LIMITED: {
      elsewhere: 'test/integration/authorization-gateway.test.ts',
      reason: 'needs rate limits configured; in band, but over HTTP a 429 with Retry-After and RateLimit headers (rate-limit-headers.ts)',
    },
    GW_TOOL_BLOCKED: {
      elsewhere: 'test/integration/pinning-rug-pull.test.ts',
      reason: 'needs pinning configured and a tool definition that changes',
    },
    // Schema validation is on by default: a call without the tool's required argument is refused before dispatch.
    GW_GUARD_REJECTED: { where: 'in-band', provoke: (cell) => tool(cell, 'fx__test_sampling', {}) },
    GW_AUDIT_UNAVAILABLE: {
      elsewhere: 'test/unit/security/audit-log.test.ts',
      reason: 'needs an audit log that cannot be written (fail-closed)',
    },
    GW_UPSTREAM_AUTH: {
      elsewhere: 'test/integration/upstream-oauth.test.ts',
      reason: 'needs an upstream with OAuth credentials and an authorization server that refuses them',
    },
    GW_UNATTRIBUTABLE: { where: 'in-band', provoke: () => 'sent to an upstream (its server→client request), never to a caller' },
  };

  /** A second GET stream on the legacy session while the first is open. */
  async function streamConflict(): Promise<Reply> {
    const first = new AbortController();
    const open = await fetch(gw.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': session }, signal: first.signal });
    assert.equal(open.status, 200);
    try {
      return await httpSend('', { accept: 'text/event-stream', 'mcp-session-id': session }, 'GET');
    } finally {
      first.abort();
      await open.body?.cancel().catch(() => undefined);
      await waitFor(
        () => (gw.gateway.layer.sessions.get(session)?.standalone === undefined ? true : undefined),
        10_000,
        'the GET stream to close',
      );
    }
  }

  /** o admits one call at a time and queues none: a call while o__hang runs is refused; o__hang times out. */
  async function overloaded(cell: Cell): Promise<Reply> {
    const before = hangCalls();
    const first = tool(cell, 'o__hang');
    await waitFor(() => (hangCalls() > before ? true : undefined), 20_000, 'o__hang to reach o');
    const second = await tool(cell, 'o__hang');
    const timedOut = await first;
    assert.equal(timedOut.error?.data?.code, 'GW_TIMEOUT', `${label(cell)}: the running call times out`);
    return second;
  }

  it('has a row for every code in the catalogue', () => {
    assert.deepEqual(Object.keys(ROWS).sort(), Object.keys(ERROR_CODES).sort());
    for (const [code, row] of Object.entries(ROWS))
      if ('elsewhere' in row) assert.ok(existsSync(new URL(`../../${row.elsewhere}`, import.meta.url)), `${code}: ${row.elsewhere} exists`);
  });

  for (const code of Object.keys(ERROR_CODES) as GatewayErrorCode[]) {
    it(code, async (t) => {
      const row = ROWS[code];
      if ('elsewhere' in row) return t.diagnostic(`${code}: ${row.reason} (${row.elsewhere})`);
      const { rpc, http } = ERROR_CODES[code];
      let walked = 0;
      for (const cell of CELLS) {
        const outcome: Promise<Reply> | string = row.provoke(cell);
        if (typeof outcome === 'string') {
          t.diagnostic(`${code} ${label(cell)}: not provocable: ${outcome}`);
          continue;
        }
        const reply: Reply = await outcome;
        const where = `${code} ${label(cell)}: ${JSON.stringify(reply.raw).slice(0, 300)}`;
        assert.equal(reply.error?.data?.code, code, where);
        assert.equal(reply.error?.code, rpc, where);
        if (cell.transport === 'http') {
          const expected: number = row.where === 'edge' ? http : cell.era === 'legacy' ? 200 : modernInBandStatus({ code: rpc });
          assert.equal(reply.status, expected, `${where} (HTTP status)`);
        }
        walked++;
      }
      t.diagnostic(`${code}: ${walked} of 4 cells walked`);
    });
  }

  it('GW_SHUTTING_DOWN (last: a drain cannot be undone)', async () => {
    gw.gateway.layer.startDrain();
    for (const cell of CELLS) {
      const reply = await tool(cell, 'fx__echo');
      const where = `GW_SHUTTING_DOWN ${label(cell)}: ${JSON.stringify(reply.raw)}`;
      assert.equal(reply.error?.data?.code, 'GW_SHUTTING_DOWN', where);
      assert.equal(reply.error?.code, ERROR_CODES.GW_SHUTTING_DOWN.rpc, where);
      if (cell.transport === 'http') assert.equal(reply.status, cell.era === 'legacy' ? 200 : modernInBandStatus({ code: -32000 }), where);
    }
  });
});
