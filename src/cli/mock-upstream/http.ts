// Streamable HTTP transport on 127.0.0.1: legacy sessions (Mcp-Session-Id, GET stream, DELETE), stateless
// modern requests, and the control endpoints `GET /control/stats` and `POST /control/reset`.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { META, MODERN_VERSIONS, isNotification, isRequest } from '../../protocol/index.js';
import type { MockEngine } from './engine.js';
import { errorFrame } from './frames.js';
import { HttpOutbound, openSse, sendJson, sseEvent } from './http-outbound.js';
import type { Stats } from './stats.js';
import type { MockTransport, PeerSession } from './types.js';

const MAX_BODY_BYTES = 64 * 1024 * 1024;
const MAX_SESSIONS = 10_000;

interface Session extends PeerSession {
  readonly streams: Set<ServerResponse>;
}

/** Starts the HTTP server on 127.0.0.1:`port` (0 = random); resolves with the transport and its URL once listening. */
export async function serveHttp(engine: MockEngine, stats: Stats, port: number): Promise<MockTransport & { url: string }> {
  const settle = (): void => stats.settle();
  // Insertion-ordered, so the oldest session is evicted first when the bound is hit.
  const sessions = new Map<string, Session>();
  const endSession = (id: string, s: Session): void => {
    sessions.delete(id);
    for (const c of s.running.values()) c.abort('disconnect');
    for (const r of s.streams) r.end();
    stats.sessions(sessions.size);
  };

  const onPost = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    let msg: unknown;
    try {
      msg = JSON.parse(body);
    } catch {
      return sendJson(res, 400, errorFrame(null, -32700, 'Parse error'));
    }
    if (Array.isArray(msg)) return sendJson(res, 400, errorFrame(null, -32600, 'Invalid Request: batches are not supported'));
    const request = isRequest(msg) ? msg : undefined;
    if (!request && !isNotification(msg) && !isClientResponse(msg)) return sendJson(res, 400, errorFrame(null, -32600, 'Invalid Request'));
    let peer: PeerSession;
    let newSession: string | undefined;
    if (isModern(req, msg)) {
      peer = { running: new Map() }; // stateless: each request is its own peer
    } else if (request?.method === 'initialize') {
      newSession = randomUUID();
      if (sessions.size >= MAX_SESSIONS) endSession(...sessions.entries().next().value!);
      const s: Session = { running: new Map(), streams: new Set() };
      sessions.set(newSession, s);
      stats.sessions(sessions.size);
      peer = s;
    } else {
      const found = sessionOf(req, res, sessions);
      if (found === undefined) return;
      peer = found;
    }
    if (!request) {
      if (isNotification(msg)) engine.notification(msg, peer);
      return void res.writeHead(202, { 'content-length': '0' }).end();
    }
    // Closing the response before the answer means the client went away: abort the call (modern cancel).
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort('disconnect');
    });
    engine.request(request, peer, new HttpOutbound(res, newSession, settle), gone.signal);
  };

  const onGet = (req: IncomingMessage, res: ServerResponse): void => {
    if (isModern(req, undefined)) return void res.writeHead(405, { allow: 'POST' }).end();
    const s = sessionOf(req, res, sessions);
    if (s === undefined) return;
    if (!(req.headers.accept ?? '').includes('text/event-stream')) return void res.writeHead(406).end();
    openSse(res);
    s.streams.add(res);
    res.on('close', () => s.streams.delete(res));
  };

  const server = createServer({ requestTimeout: 0, keepAliveTimeout: 65_000 }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/control/stats' && req.method === 'GET') return sendJson(res, 200, JSON.stringify(stats.snapshot()));
    if (path === '/control/reset' && req.method === 'POST') {
      engine.reset();
      return sendJson(res, 200, '{"ok":true}');
    }
    if (path !== '/mcp') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    stats.headers(req.headers);
    if (req.method === 'POST') return readBody(req, res, (body) => onPost(req, res, body));
    if (req.method === 'GET') return onGet(req, res);
    if (req.method === 'DELETE') {
      const id = header(req, 'mcp-session-id');
      const s = id === undefined ? undefined : sessions.get(id);
      if (id === undefined || s === undefined) return sendJson(res, 404, errorFrame(null, -32001, 'Session not found'));
      endSession(id, s);
      return void res.writeHead(200, { 'content-length': '0' }).end();
    }
    res.writeHead(405, { allow: 'GET, POST, DELETE' }).end();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : port}/mcp`;

  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  const close = (): void => {
    for (const s of sessions.values()) for (const c of s.running.values()) c.abort('shutdown');
    server.close(() => resolveDone(0));
    server.closeAllConnections();
  };
  const broadcast = (frame: string): void => {
    const event = sseEvent(frame);
    for (const s of sessions.values()) for (const r of s.streams) r.write(event);
  };
  return { url, broadcast, flush: () => {}, done, close };
}

function isModern(req: IncomingMessage, msg: unknown): boolean {
  const h = header(req, 'mcp-protocol-version');
  if (h !== undefined && (MODERN_VERSIONS as readonly string[]).includes(h)) return true;
  const meta = (msg as { params?: { _meta?: Record<string, unknown> } } | undefined)?.params?._meta;
  return typeof meta?.[META.protocolVersion] === 'string';
}

function isClientResponse(msg: unknown): boolean {
  return typeof msg === 'object' && msg !== null && 'id' in msg && ('result' in msg || 'error' in msg);
}

function sessionOf(req: IncomingMessage, res: ServerResponse, sessions: Map<string, Session>): Session | undefined {
  const id = header(req, 'mcp-session-id');
  if (!id) return void sendJson(res, 400, errorFrame(null, -32000, 'Bad Request: Mcp-Session-Id header is required'));
  const s = sessions.get(id);
  if (s === undefined) sendJson(res, 404, errorFrame(null, -32001, 'Session not found'));
  return s;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: IncomingMessage, res: ServerResponse, then: (body: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= MAX_BODY_BYTES) return void chunks.push(c);
    sendJson(res, 413, errorFrame(null, -32600, 'Request body too large'));
    req.destroy();
  });
  req.on('end', () => {
    if (!res.headersSent) then(Buffer.concat(chunks).toString('utf8'));
  });
}
