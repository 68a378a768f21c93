// What the soak's clients and attackers share: one POST through undici, reading what came back as a short
// outcome label ("400 GW_LIMIT_EXCEEDED", "200 ok"), and a tally of outcomes per attacker.
import type { Dispatcher } from 'undici';
import { sseMessages } from '../lib/sse.js';

/** The legacy revision the soak speaks, and the modern one. */
export const LEGACY = '2025-11-25';
export const MODERN = '2026-07-28';

/** A JSON-RPC message as received. */
export interface RpcMessage {
  id?: unknown;
  method?: string;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: { code?: string } };
}

/** One HTTP answer, read whole. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** POSTs body (a string, sent as is) and reads the answer. */
export async function post(d: Dispatcher, path: string, headers: Record<string, string>, body: string): Promise<Answer> {
  const res = await d.request({
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body,
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** The JSON-RPC messages of an answer (JSON or SSE); unparseable ones are skipped. */
export function messagesOf(a: Answer): RpcMessage[] {
  const ctype = String(a.headers['content-type'] ?? '');
  const payloads = ctype.includes('text/event-stream') ? sseMessages(a.text) : a.text === '' ? [] : [a.text];
  const out: RpcMessage[] = [];
  for (const p of payloads) {
    try {
      out.push(JSON.parse(p) as RpcMessage);
    } catch {
      // counted by the caller as no response
    }
  }
  return out;
}

/** The response to `id` in an answer, if any. */
export function responseTo(a: Answer, id: unknown): RpcMessage | undefined {
  return messagesOf(a).find((m) => m.id === id && (m.result !== undefined || m.error !== undefined));
}

/** A short label for what an answer said: status, then the gateway code, the JSON-RPC code or "ok". */
export function outcomeOf(a: Answer): string {
  const m = messagesOf(a).find((x) => x.result !== undefined || x.error !== undefined);
  if (m === undefined) return `${a.status}`;
  if (m.error) return `${a.status} ${m.error.data?.code ?? m.error.code}`;
  return `${a.status} ok`;
}

/** A label for a failed request (connection refused, reset, timeout). */
export function failureOf(e: unknown): string {
  const err = e as { code?: string; name?: string; message?: string };
  return `error ${err.code ?? err.name ?? 'unknown'}`;
}

/** Outcome counts per attacker. */
export class Tally {
  private readonly counts = new Map<string, Map<string, number>>();

  /** Counts one outcome of attacker `who`. */
  add(who: string, outcome: string, n = 1): void {
    let m = this.counts.get(who);
    if (m === undefined) this.counts.set(who, (m = new Map()));
    m.set(outcome, (m.get(outcome) ?? 0) + n);
  }

  /** Plain object: attacker → outcome → count. */
  toJSON(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [who, m] of [...this.counts].sort()) out[who] = Object.fromEntries([...m].sort((a, b) => b[1] - a[1]));
    return out;
  }
}

/** Resolves after ms, or at once when signal aborts (never rejects). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Opens a legacy session (initialize + initialized); resolves with the headers its later requests carry. */
export async function openLegacy(d: Dispatcher, path: string, clientName: string): Promise<Record<string, string>> {
  const init = { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: clientName, version: '1.0.0' } };
  const a = await post(d, path, {}, JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: init }));
  const sid = a.headers['mcp-session-id'];
  if (a.status !== 200 || typeof sid !== 'string') throw new Error(`initialize: ${outcomeOf(a)}: ${a.text.slice(0, 200)}`);
  const headers = { 'mcp-session-id': sid, 'mcp-protocol-version': LEGACY };
  const n = await post(d, path, headers, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  if (n.status !== 202) throw new Error(`notifications/initialized: HTTP ${n.status}`);
  return headers;
}

/** The body and headers of a modern (stateless) tools/call. */
export function modernCall(id: number, name: string, args: unknown): { headers: Record<string, string>; body: string } {
  const _meta = {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': { name: 'soak-modern', version: '1.0.0' },
  };
  return {
    headers: { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': name },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta } }),
  };
}
