// Real components for authentication tests: a JWKS served on 127.0.0.1 (jose keys), and a plain-JSON MCP
// upstream over HTTP that records the headers of every request it receives.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** A JWKS endpoint on 127.0.0.1 and a signer for tokens its keys verify. */
export interface JwksServer {
  readonly url: string;
  /** Times the key set was fetched. */
  fetches(): number;
  /** Signs a token with the served key (or an unserved one with `kid: 'unknown'`). */
  sign(
    claims: Record<string, unknown>,
    options?: { kid?: string; expiresIn?: string | number; key?: 'served' | 'stranger' },
  ): Promise<string>;
  close(): Promise<void>;
}

/** Starts the JWKS server with one RS256 key (kid `k1`). */
export async function startJwks(): Promise<JwksServer> {
  const served = await generateKeyPair('RS256');
  const stranger = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(served.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  let fetches = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/jwks') return void res.writeHead(404).end();
    fetches++;
    const body = JSON.stringify({ keys: [jwk] });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  const url = await listen(server);
  return {
    url: `${url}/jwks`,
    fetches: () => fetches,
    async sign(claims, options = {}) {
      const key: CryptoKey = options.key === 'stranger' ? stranger.privateKey : served.privateKey;
      const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1' }).setIssuedAt();
      if (options.expiresIn !== undefined) jwt.setExpirationTime(options.expiresIn);
      return jwt.sign(key);
    },
    close: () => close(server),
  };
}

/** A minimal MCP server (2025-06-18, JSON responses) with one tool `whoami`, recording request headers. */
export interface RecordingUpstream {
  readonly url: string;
  readonly headers: IncomingHttpHeaders[];
  close(): Promise<void>;
}

/** Starts the recording upstream on 127.0.0.1. */
export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const headers: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    headers.push(req.headers);
    if (req.method !== 'POST') return void res.writeHead(405).end();
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const msg = JSON.parse(body) as { id?: number | string; method: string; params?: Record<string, unknown> };
      if (msg.id === undefined) return void res.writeHead(202).end();
      const result =
        msg.method === 'initialize'
          ? { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'recorder', version: '1.0.0' } }
          : msg.method === 'tools/list'
            ? { tools: [{ name: 'whoami', description: 'says hello', inputSchema: { type: 'object' } }] }
            : msg.method === 'tools/call'
              ? { content: [{ type: 'text', text: 'hello from the recorder' }] }
              : msg.method === 'ping'
                ? {}
                : undefined;
      const reply =
        result === undefined
          ? { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } }
          : { jsonrpc: '2.0', id: msg.id, result };
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'rec-1' }).end(JSON.stringify(reply));
    });
  });
  const url = await listen(server);
  return { url: `${url}/mcp`, headers, close: () => close(server) };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
