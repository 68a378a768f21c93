// An in-process legacy Streamable HTTP MCP server on 127.0.0.1 that accepts only bearer tokens its
// `accepts` function approves (the local OAuth server's): anything else is a 401 with WWW-Authenticate,
// like an SDK server behind requireBearerAuth. It records every Authorization header and each 401.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BearerUpstream {
  readonly url: string;
  /** Every Authorization header received (undefined when absent), in order. */
  readonly authorizations: (string | undefined)[];
  /** How many requests were refused with 401. */
  readonly refused: () => number;
  /** How many tools/call requests were executed. */
  readonly executed: () => number;
  close(): Promise<void>;
}

/** Starts the server; one tool, `whoami`, answers with the token's first characters (never a secret here). */
export async function startBearerUpstream(accepts: (token: string) => boolean): Promise<BearerUpstream> {
  const authorizations: (string | undefined)[] = [];
  let refused = 0;
  let executed = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // No GET stream (405, as the counting upstream): every recorded request is a POST of a message.
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const auth = req.headers.authorization;
      authorizations.push(auth);
      const token = /^Bearer (.+)$/.exec(auth ?? '')?.[1];
      if (token === undefined || !accepts(token)) {
        refused++;
        res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ error: 'invalid_token', error_description: 'token expired or unknown' }));
      }
      const msg = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: number; method: string; params?: Record<string, unknown> };
      const reply = (result: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'bearer-1' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
      };
      if (msg.id === undefined) return void res.writeHead(202).end();
      if (msg.method === 'initialize')
        return reply({ protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'bearer', version: '1' } });
      if (msg.method === 'tools/list') return reply({ tools: [{ name: 'whoami', inputSchema: { type: 'object' } }] });
      if (msg.method === 'tools/call') {
        executed++;
        return reply({ content: [{ type: 'text', text: `ok ${token.slice(0, 3)}` }] });
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
    authorizations,
    refused: () => refused,
    executed: () => executed,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
