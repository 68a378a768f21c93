import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, Logger, TimerHandle } from '../../core/index.js';
import { clip, JsonLimitError, parseJsonWithin } from '../../core/index.js';
import { GatewayError, toJsonRpcError } from '../../errors/index.js';
import type { Principal } from '../../pipeline/index.js';
import type { JsonRpcRequest } from '../../protocol/index.js';
import { failure, isNotification, isRequest, isResponse, LEGACY_VERSIONS } from '../../protocol/index.js';
import type { SessionLayer } from '../../session/index.js';
import { ANONYMOUS } from '../../session/index.js';
import { LONG_LIVED_EVENT } from './mcp-endpoint.js';
import { sendError } from './send-error.js';
import { mayUseSession } from '../auth/session-owner.js';
import { readBody } from './read-body.js';
import { SseConnection, type SseEndReason } from './sse-connection.js';

export interface LegacySseOptions {
  /** Prefix of both paths: `/sse` and `/messages` live beside the MCP endpoint (`/a/mcp` → `/a/sse`). */
  readonly basePath: string;
  readonly maxBodyBytes: number;
  /** Most open streams; each carries at most one session. */
  readonly maxConnections: number;
  /** Most open streams of one client (principal, else remote address). */
  readonly maxPerClient: number;
  /** A stream that never initializes ends after this long, as an idle session would. */
  readonly idleTimeoutMs: number;
  readonly keepAliveMs: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly authenticate?: (req: IncomingMessage) => Principal;
}

interface Entry {
  readonly connection: SseConnection;
  /** Admission key (principal, else remote address): bounds the streams and sessions of one client. */
  readonly client: string;
  readonly openedAt: number;
  timer: TimerHandle | undefined;
  /** Detaches the stream from its session (the session layer counts open streams). */
  detach: (() => void) | undefined;
}

/** The paths of the 2024-11-05 HTTP+SSE transport for an MCP endpoint path: siblings of it. */
export function legacySsePaths(mcpPath: string): { basePath: string; ssePath: string; messagesPath: string } {
  const basePath = mcpPath.slice(0, mcpPath.lastIndexOf('/'));
  return { basePath, ssePath: `${basePath}/sse`, messagesPath: `${basePath}/messages` };
}

/**
 * The 2024-11-05 HTTP+SSE transport (SDK v1 `SSEClientTransport`, Inspector `--transport sse`,
 * mcp-remote `sse-only`): `GET /sse` opens the caller's one stream, `POST /messages?sessionId=` carries
 * each message and is answered 202; replies travel down the stream. The legacy session machinery does
 * the rest, with the stream as the writer of every call; closing the stream ends the session.
 */
export class LegacySseEndpoint {
  readonly ssePath: string;
  readonly messagesPath: string;
  #connections = new Map<string, Entry>();
  #perClient = new Map<string, number>();
  #inflight = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(
    private readonly layer: SessionLayer,
    private readonly options: LegacySseOptions,
  ) {
    this.ssePath = `${options.basePath}/sse`;
    this.messagesPath = `${options.basePath}/messages`;
  }

  /** Open streams (diagnostics and tests). */
  get size(): number {
    return this.#connections.size;
  }

  /** `GET /sse`: opens a stream and announces the messages endpoint for it. */
  open(req: IncomingMessage, res: ServerResponse): void {
    if (this.layer.draining) return refuse(res, null, new GatewayError('GW_SHUTTING_DOWN', 'The gateway is shutting down'));
    const client = clientOf(req, this.options.authenticate?.(req) ?? ANONYMOUS);
    const { maxConnections, maxPerClient } = this.options;
    if (this.#connections.size >= maxConnections)
      return refuse(
        res,
        null,
        overloaded(
          `Too many open SSE streams (server.sessions.maxStreams = ${maxConnections})`,
          'server.sessions.maxStreams',
          maxConnections,
        ),
      );
    const held = this.#perClient.get(client) ?? 0;
    if (held >= maxPerClient)
      return refuse(
        res,
        null,
        overloaded(
          `Too many open SSE streams for this client (server.sessions.maxPerClient = ${maxPerClient})`,
          'server.sessions.maxPerClient',
          maxPerClient,
        ),
      );
    this.#perClient.set(client, held + 1);
    const connection = new SseConnection(res, (c, reason) => this.#ended(c, reason));
    const entry: Entry = { connection, client, openedAt: this.options.clock.now(), timer: undefined, detach: undefined };
    this.#connections.set(connection.id, entry);
    connection.open(`${this.messagesPath}?sessionId=${connection.id}`);
    // A stream lives until the caller leaves: it must not hold a drain open; the server ends it after.
    res.emit(LONG_LIVED_EVENT);
    this.#arm(entry);
  }

  /** `POST /messages?sessionId=…`: one JSON-RPC message, accepted with 202; its reply goes down the stream. */
  async post(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const entry = this.#connections.get(sessionIdOf(req.url));
    // A session opened by one principal is unknown to every other (its id is a handle, not a credential).
    if (!entry || !mayUseSession(entry.client, this.options.authenticate?.(req) ?? ANONYMOUS))
      return refuse(res, null, this.#unknownSession());
    const version = req.headers['mcp-protocol-version'];
    if (typeof version === 'string' && !(LEGACY_VERSIONS as readonly string[]).includes(version))
      return refuse(
        res,
        null,
        new GatewayError('GW_UNSUPPORTED_VERSION', `Bad Request: unsupported MCP-Protocol-Version ${clip(version, 64)}`, {
          data: { supported: LEGACY_VERSIONS },
        }),
      );
    let raw: Buffer;
    let message: unknown;
    try {
      raw = await readBody(req, this.options.maxBodyBytes);
      message = parseJsonWithin(raw.toString('utf8'), this.layer.limits.maxJsonDepth);
    } catch (err) {
      return refuse(res, null, bodyError(err, this.layer.limits.maxJsonDepth));
    }
    if (Array.isArray(message))
      return refuse(res, null, new GatewayError('GW_INVALID_REQUEST', 'Invalid Request: JSON-RPC batches are not supported'));
    const { connection } = entry;
    // Touches the session; an evicted one (idle, capacity, shutdown) takes its stream with it.
    const session = connection.session && this.layer.sessions.get(connection.session.id);
    if (connection.session && !session) connection.end('session-ended');
    if (connection.ended) return refuse(res, idOf(message), this.#unknownSession());
    if (isRequest(message)) {
      res.writeHead(202).end();
      return this.#request(entry, message, this.options.authenticate?.(req) ?? ANONYMOUS, raw.length);
    }
    if (isNotification(message)) {
      res.writeHead(202).end();
      return this.layer.notify(message, session);
    }
    if (isResponse(message)) {
      res.writeHead(202).end();
      if (session) this.layer.respond(message, session);
      return;
    }
    return refuse(res, idOf(message), new GatewayError('GW_INVALID_REQUEST', 'Invalid Request: not a JSON-RPC 2.0 message'));
  }

  /** Resolves when no request from an SSE caller is running, or after `ms` (the drain). */
  async idle(ms: number): Promise<boolean> {
    if (this.#inflight === 0) return true;
    let timer: TimerHandle | undefined;
    const done = await Promise.race([
      new Promise<boolean>((r) => this.#idleWaiters.push(() => r(true))),
      new Promise<boolean>((r) => (timer = this.options.clock.setTimeout(() => r(false), ms))),
    ]);
    if (timer) this.options.clock.clearTimeout(timer);
    return done;
  }

  async #request(entry: Entry, message: JsonRpcRequest, principal: Principal, bytes: number): Promise<void> {
    const { connection } = entry;
    if (message.method === 'initialize') return this.#initialize(entry, message, bytes);
    const session = connection.session;
    if (!session || session.closed) {
      const err = new GatewayError('GW_SESSION_REQUIRED', 'Invalid Request: send initialize on this stream first');
      connection.write(failure(message.id, toJsonRpcError(err)));
      return;
    }
    this.#inflight++;
    try {
      // Closing the session (the stream went away) aborts this controller: the session tracks each call.
      const scope = this.layer.legacyScope(session, principal, connection.write, new AbortController());
      connection.write(await this.layer.handle(message, scope));
    } finally {
      if (--this.#inflight === 0) for (const w of this.#idleWaiters.splice(0)) w();
    }
  }

  /** The session of a stream: created by `initialize`, with the stream as its standalone stream. */
  #initialize(entry: Entry, message: JsonRpcRequest, bytes: number): void {
    const { connection } = entry;
    // A second initialize on one stream starts over, as on stdio.
    this.#release(entry);
    try {
      const { session, response } = this.layer.initialize(message, { client: entry.client, stateBytes: bytes });
      try {
        entry.detach = this.layer.openStream(session, connection.write, () => connection.end('session-ended'));
      } catch (err) {
        this.layer.end(session.id);
        throw err;
      }
      connection.session = session;
      connection.write(response);
    } catch (err) {
      connection.write(failure(message.id, toJsonRpcError(err)));
    }
  }

  /** Detaches the stream from its session and ends the session. */
  #release(entry: Entry): void {
    const session = entry.connection.session;
    entry.connection.session = undefined;
    entry.detach?.();
    entry.detach = undefined;
    if (session) this.layer.end(session.id);
  }

  /** Keep-alive tick; a stream that never initializes ends after the session idle timeout. */
  #arm(entry: Entry): void {
    const { clock, keepAliveMs, idleTimeoutMs } = this.options;
    entry.timer = clock.setTimeout(() => {
      entry.timer = undefined;
      const { connection } = entry;
      if (connection.ended) return;
      if (!connection.session && clock.now() - entry.openedAt >= idleTimeoutMs) return connection.end('never-initialized');
      connection.keepAlive();
      if (!connection.ended) this.#arm(entry);
    }, keepAliveMs);
    entry.timer.unref?.();
  }

  #unknownSession(): GatewayError {
    return new GatewayError('GW_SESSION_NOT_FOUND', `Session not found: open a new stream with GET ${this.ssePath}`);
  }

  #ended(connection: SseConnection, reason: SseEndReason): void {
    const entry = this.#connections.get(connection.id);
    if (!entry) return;
    if (entry.timer) this.options.clock.clearTimeout(entry.timer);
    this.#connections.delete(connection.id);
    const held = (this.#perClient.get(entry.client) ?? 1) - 1;
    if (held > 0) this.#perClient.set(entry.client, held);
    else this.#perClient.delete(entry.client);
    const session = connection.session;
    this.#release(entry);
    // A drop (the caller stopped reading) was logged, throttled, by the listener.
    this.options.log.debug({ session: session?.id, reason }, 'SSE stream ended; its session with it');
  }
}

/** The 405 for `GET` on the MCP endpoint without a session: names both ways in. */
export function sendGetWithoutSession(res: ServerResponse, mcpPath: string, ssePath: string | undefined): void {
  const err = new GatewayError(
    'GW_METHOD_NOT_ALLOWED',
    `Method Not Allowed: GET ${mcpPath} needs an Mcp-Session-Id. Streamable HTTP: POST ${mcpPath} (initialize first)` +
      (ssePath ? `; the 2024-11-05 HTTP+SSE transport: GET ${ssePath}` : ''),
    { data: { allow: 'POST, DELETE', streamableHttp: `POST ${mcpPath}`, ...(ssePath ? { sse: `GET ${ssePath}` } : {}) } },
  );
  sendError(res, null, err, { allow: 'POST, DELETE' });
}

function refuse(res: ServerResponse, id: string | number | null, err: GatewayError): void {
  sendError(res, id, err);
}

function overloaded(message: string, setting: string, max: number): GatewayError {
  return new GatewayError('GW_OVERLOADED', message, { data: { limit: setting, max, retryAfterMs: 1000 } });
}

/** The admission key of a caller, as the session store counts them: its principal, else its address. */
function clientOf(req: IncomingMessage, principal: Principal): string {
  return principal.kind === 'anonymous' ? `address:${req.socket.remoteAddress ?? 'unknown'}` : `principal:${principal.id}`;
}

function bodyError(err: unknown, maxDepth: number): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof JsonLimitError && err.limit === 'maxJsonDepth')
    return new GatewayError('GW_LIMIT_EXCEEDED', `Request nested deeper than ${maxDepth} levels`, {
      data: { limit: 'server.limits.maxJsonDepth', maxDepth },
    });
  return new GatewayError('GW_PARSE_ERROR', 'Parse error: the body is not valid JSON');
}

function sessionIdOf(url: string | undefined): string {
  const q = url === undefined ? -1 : url.indexOf('?');
  return q === -1 ? '' : (new URLSearchParams(url!.slice(q + 1)).get('sessionId') ?? '');
}

function idOf(message: unknown): string | number | null {
  const id = (message as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}
