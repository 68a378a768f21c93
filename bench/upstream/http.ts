#!/usr/bin/env node
// Bench upstream, Streamable HTTP front end: stateful sessions (Mcp-Session-Id), SSE answers to POSTs.
// Usage: node dist/bench/upstream/http.js [--port N] [--host H] [--json] [--exit-on-stdin-close]
// Prints "bench-upstream listening on http://HOST:PORT/mcp" when ready.
import { createServer, type IncomingMessage as HttpRequest, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { error, handleRequest, isRequest, type IncomingMessage } from './handler.js';

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MAX_SESSIONS = 100_000;

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const host = opt('--host') ?? '127.0.0.1';
const port = Number(opt('--port') ?? 0);
const forceJson = args.includes('--json');

// Insertion-ordered, so the oldest session is evicted first when the bound is hit.
const sessions = new Set<string>();

const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 }, (req, res) => {
  if (req.url !== '/mcp' && !req.url?.startsWith('/mcp?')) return plain(res, 404, 'not found');
  if (req.method === 'POST') return readBody(req, res);
  if (req.method === 'DELETE') {
    const sid = header(req, 'mcp-session-id');
    if (sid === undefined || !sessions.delete(sid)) return plain(res, 404, 'session not found');
    return plain(res, 200, '');
  }
  res.writeHead(405, { allow: 'POST, DELETE', 'content-length': '0' }).end();
});

function readBody(req: HttpRequest, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > MAX_BODY_BYTES) {
      plain(res, 413, 'body too large');
      req.destroy();
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    if (res.headersSent) return;
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    onMessage(req, res, body);
  });
}

function onMessage(req: HttpRequest, res: ServerResponse, body: Buffer): void {
  let msg: IncomingMessage;
  try {
    msg = JSON.parse(body.toString('utf8')) as IncomingMessage;
  } catch {
    return rpcError(res, 400, error(null, -32700, 'Parse error'));
  }
  if (Array.isArray(msg) || typeof msg !== 'object' || msg === null) {
    return rpcError(res, 400, error(null, -32600, 'Invalid Request: batches are not supported'));
  }
  let sid = header(req, 'mcp-session-id');
  const newSession = msg.method === 'initialize' && isRequest(msg);
  if (newSession) {
    sid = randomUUID();
    if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.values().next().value as string);
    sessions.add(sid);
  } else if (sid === undefined) {
    return rpcError(res, 400, error(idOf(msg), -32000, 'Bad Request: Mcp-Session-Id header is required'));
  } else if (!sessions.has(sid)) {
    return rpcError(res, 404, error(idOf(msg), -32001, 'Session not found'));
  }
  if (!isRequest(msg)) {
    res.writeHead(202, { 'content-length': '0' }).end();
    return;
  }
  const answer = handleRequest(msg);
  const sse = !forceJson && (header(req, 'accept') ?? '').includes('text/event-stream');
  const payload = sse ? `event: message\ndata: ${answer}\n\n` : answer;
  const headers: Record<string, string | number> = {
    'content-type': sse ? 'text/event-stream' : 'application/json',
    'content-length': Buffer.byteLength(payload),
  };
  if (sse) headers['cache-control'] = 'no-cache';
  if (newSession) headers['mcp-session-id'] = sid!;
  res.writeHead(200, headers).end(payload);
}

function idOf(msg: IncomingMessage): string | number | null {
  return typeof msg.id === 'string' || typeof msg.id === 'number' ? msg.id : null;
}

function header(req: HttpRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) }).end(text);
}

function rpcError(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

server.listen(port, host, () => {
  const addr = server.address();
  const actual = typeof addr === 'object' && addr !== null ? addr.port : port;
  process.stdout.write(`bench-upstream listening on http://${host}:${actual}/mcp\n`);
});

const stop = (): void => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// When the harness that started us dies without cleaning up, its end of our stdin closes: follow it.
if (args.includes('--exit-on-stdin-close')) {
  process.stdin.on('end', stop).on('error', stop).resume();
}
