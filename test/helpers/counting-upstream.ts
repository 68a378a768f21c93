// An in-process legacy Streamable HTTP MCP server on 127.0.0.1 that records every tools/call it receives
// (the `n` argument), answering after `delayMs`: the count "at the upstream" for crash tests.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingUpstream {
  readonly url: string;
  /** The `n` of every call received, in arrival order. */
  readonly seen: number[];
  /** Authorization headers received (the upstream token must arrive; nothing else may show it). */
  readonly authorizations: string[];
  close(): Promise<void>;
}

/** Starts the server; tools: `hit` (records n) and `fail` (answers a JSON-RPC error echoing nothing secret). */
export async function startCountingUpstream(delayMs = 5): Promise<CountingUpstream> {
  const seen: number[] = [];
  const authorizations: string[] = [];
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (typeof req.headers.authorization === 'string') authorizations.push(req.headers.authorization);
      const msg = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: number; method: string; params?: Record<string, unknown> };
      const reply = (result: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'count-1' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
      };
      if (msg.id === undefined) return void res.writeHead(202).end();
      if (msg.method === 'initialize')
        return reply({
          protocolVersion: msg.params?.protocolVersion ?? '2025-11-25',
          capabilities: { tools: {} },
          serverInfo: { name: 'counting', version: '1' },
        });
      if (msg.method === 'tools/list')
        return reply({
          tools: [
            { name: 'hit', inputSchema: { type: 'object', properties: { n: { type: 'number' } } } },
            { name: 'login', inputSchema: { type: 'object', properties: { user: { type: 'string' }, password: { type: 'string' } } } },
          ],
        });
      if (msg.method === 'tools/call') {
        const args = (msg.params?.arguments ?? {}) as { n?: number };
        if (typeof args.n === 'number') seen.push(args.n);
        setTimeout(() => reply({ content: [{ type: 'text', text: `ok ${args.n ?? ''}` }] }), delayMs);
        return;
      }
      if (msg.method === 'ping') return reply({});
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    seen,
    authorizations,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
