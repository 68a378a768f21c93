// A lean legacy (2025-11-25) MCP client over an undici Pool: one session per instance, JSON or SSE answers.
// Used by the load generator and by the harness's cold-start and idle-session probes.
import type { Dispatcher } from 'undici';
import { sseMessages } from './sse.js';

/** The legacy protocol revision the bench speaks. */
export const PROTOCOL_VERSION = '2025-11-25';

/** A JSON-RPC response as received. */
export interface RpcResponse {
  id?: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** Thrown for any answer that is not a successful JSON-RPC result. */
export class McpCallError extends Error {
  override readonly name = 'McpCallError';
}

/** One legacy MCP session over a shared dispatcher (Pool or Client) to the endpoint `path`. */
export class McpSession {
  private sessionId: string | undefined;
  private protocolVersion: string | undefined;
  private cachedHeaders: Record<string, string> | undefined;
  private nextId = 1;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly path: string,
  ) {}

  /** The Mcp-Session-Id the server assigned (undefined before initialize or for a stateless server). */
  get id(): string | undefined {
    return this.sessionId;
  }

  /** initialize + notifications/initialized: opens the session. */
  async open(clientName = 'breakwater-bench'): Promise<void> {
    await this.request('initialize', {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: clientName, version: '1.0.0' },
    });
    await this.notify('notifications/initialized');
  }

  /** Sends a request and returns its result; throws McpCallError on HTTP or JSON-RPC errors. */
  async request(method: string, params?: object): Promise<unknown> {
    const id = this.nextId++;
    const body = JSON.stringify(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
    const res = await this.dispatcher.request({ method: 'POST', path: this.path, headers: this.headers(), body });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new McpCallError(`${method}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
    if (method === 'initialize') {
      const sid = res.headers['mcp-session-id'];
      this.sessionId = Array.isArray(sid) ? sid[0] : sid;
      this.cachedHeaders = undefined;
    }
    const ctype = String(res.headers['content-type'] ?? '');
    const answer = findResponse(ctype.includes('text/event-stream') ? sseMessages(text) : [text], id);
    if (answer === undefined) throw new McpCallError(`${method}: no JSON-RPC response with id ${id} in the answer (${ctype})`);
    if (answer.error) throw new McpCallError(`${method}: JSON-RPC error ${answer.error.code}: ${answer.error.message}`);
    if (method === 'initialize') {
      const v = (answer.result as { protocolVersion?: unknown } | undefined)?.protocolVersion;
      this.protocolVersion = typeof v === 'string' ? v : PROTOCOL_VERSION;
      this.cachedHeaders = undefined;
    }
    return answer.result;
  }

  /** Sends a notification; expects 202 (or 200/204). */
  async notify(method: string, params?: object): Promise<void> {
    const body = JSON.stringify(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params });
    const res = await this.dispatcher.request({ method: 'POST', path: this.path, headers: this.headers(), body });
    const text = await res.body.text();
    if (res.statusCode !== 202 && res.statusCode !== 200 && res.statusCode !== 204) {
      throw new McpCallError(`${method}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
    }
  }

  /** tools/call echo; resolves to the echoed text. */
  async echo(text: string): Promise<string> {
    const result = (await this.request('tools/call', { name: 'echo', arguments: { text } })) as {
      content?: { type?: string; text?: string }[];
      isError?: boolean;
    };
    const out = result?.content?.[0]?.text;
    if (result?.isError || typeof out !== 'string')
      throw new McpCallError(`echo: unexpected result ${JSON.stringify(result).slice(0, 300)}`);
    return out;
  }

  /** DELETE the session (best effort: errors are swallowed, the bench is tearing down). */
  async close(): Promise<void> {
    if (this.sessionId === undefined) return;
    try {
      const res = await this.dispatcher.request({ method: 'DELETE', path: this.path, headers: this.headers() });
      await res.body.dump();
    } catch {
      // the server may already be gone
    }
    this.sessionId = undefined;
    this.cachedHeaders = undefined;
  }

  // Built once per session state, not per call: the load generator must stay cheap.
  private headers(): Record<string, string> {
    if (this.cachedHeaders !== undefined) return this.cachedHeaders;
    const h: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    // Sent only after initialize, as the 2025-06-18+ transport prescribes.
    if (this.protocolVersion !== undefined) h['mcp-protocol-version'] = this.protocolVersion;
    if (this.sessionId !== undefined) h['mcp-session-id'] = this.sessionId;
    this.cachedHeaders = h;
    return h;
  }
}

function findResponse(payloads: string[], id: number): RpcResponse | undefined {
  for (const p of payloads) {
    let msg: unknown;
    try {
      msg = JSON.parse(p);
    } catch {
      throw new McpCallError(`unparseable JSON-RPC payload: ${p.slice(0, 200)}`);
    }
    if (typeof msg === 'object' && msg !== null && (msg as RpcResponse).id === id) return msg as RpcResponse;
  }
  return undefined;
}
