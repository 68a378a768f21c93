import { request } from 'node:http';
// A raw JSON-RPC-over-HTTP client for wire-level assertions (status codes, exact error objects).

/** One raw HTTP exchange's outcome: status, headers and the JSON-RPC message (from JSON or SSE). */
export interface RawReply {
  status: number;
  headers: Headers;
  body: { id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string; data?: unknown } } & Record<
    string,
    unknown
  >;
}

/** POSTs `body` with MCP defaults, returning the final JSON-RPC message of the response. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RawReply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: RawReply['body'] = {};
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const data = text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as RawReply['body']);
    parsed = data.filter((m) => 'id' in m && ('result' in m || 'error' in m)).at(-1) ?? {};
  } else if (text) parsed = JSON.parse(text) as RawReply['body'];
  return { status: res.status, headers: res.headers, body: parsed };
}

/** A legacy session opened with initialize; `call` sends requests in it. */
export async function rawSession(
  url: string,
): Promise<{ id: string; call(method: string, params?: unknown): Promise<RawReply['body']>; close(): Promise<void> }> {
  const init = await post(url, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  const id = init.headers.get('mcp-session-id');
  if (!id) throw new Error(`no session id (status ${init.status})`);
  const h = { 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' };
  await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, h);
  let n = 1;
  return {
    id,
    call: async (method, params) =>
      (await post(url, { jsonrpc: '2.0', id: n++, method, ...(params === undefined ? {} : { params }) }, h)).body,
    close: async () => void (await fetch(url, { method: 'DELETE', headers: h })),
  };
}

/** A POST through node:http, which (unlike fetch) lets a test forge the Host header; resolves with the status. */
export function rawPost(url: string, body: unknown, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
