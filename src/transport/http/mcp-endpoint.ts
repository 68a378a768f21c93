import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError, toJsonRpcError } from '../../errors/index.js';
import type { Principal } from '../../pipeline/index.js';
import type { JsonRpcRequest, JsonRpcResponse } from '../../protocol/index.js';
import { failure, isNotification, isRequest, isResponse, LEGACY_VERSIONS, META } from '../../protocol/index.js';
import type { LegacySession, SessionLayer } from '../../session/index.js';
import { ANONYMOUS, type ListenFilter } from '../../session/index.js';
import { mayUseSession } from '../auth/session-owner.js';
import { parseCallerJson } from '../caller-json.js';
import { checkParamHeaders, claimsModern, classifyModern, preloadModernClassifier } from './modern-classifier.js';
import { callController } from './call-controller.js';
import { rateLimitedAnswer } from './rate-limit-headers.js';
import { readBody } from './read-body.js';
import { adoptTraceHeaders } from './trace-headers.js';
import { methodNotAllowed, modernInBandStatus, sendError } from './send-error.js';
import { ResponseStream, type ReplayTarget } from './response-stream.js';
import { SSE_HEADERS, type ResumableStream, type StreamRegistry } from './resumable-streams.js';

const SESSION_HEADER = 'mcp-session-id';

/** Handles POST, GET and DELETE on the MCP endpoint for both protocol eras. */
export class McpEndpoint {
  constructor(
    private readonly layer: SessionLayer,
    private readonly maxBodyBytes: number,
    private readonly authenticate: (req: IncomingMessage) => Principal = () => ANONYMOUS,
    /** Resumable SSE streams for legacy sessions (SEP-1699); absent: no ids, no replay. */
    private readonly streams?: StreamRegistry,
  ) {}

  async post(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const accept = req.headers.accept ?? '';
    const canStream = accept === '' || accept.includes('text/event-stream') || accept.includes('*/*');
    const canJson = accept === '' || accept.includes('application/json') || accept.includes('*/*');
    if (!canStream && !canJson)
      return sendError(
        res,
        null,
        new GatewayError('GW_NOT_ACCEPTABLE', 'Not Acceptable: Accept must include application/json or text/event-stream'),
      );
    let body: unknown;
    let bytes: number;
    try {
      const raw = await readBody(req, this.maxBodyBytes);
      bytes = raw.length;
      body = parseCallerJson(raw.toString('utf8'), this.layer.limits.maxJsonDepth, 'body');
    } catch (err) {
      return sendError(
        res,
        null,
        err instanceof GatewayError ? err : new GatewayError('GW_PARSE_ERROR', 'Parse error: the body could not be read'),
      );
    }
    if (Array.isArray(body))
      return sendError(res, null, new GatewayError('GW_INVALID_REQUEST', 'Invalid Request: JSON-RPC batches are not supported'));
    if (typeof body !== 'object' || body === null)
      return sendError(res, null, new GatewayError('GW_INVALID_REQUEST', 'Invalid Request: expected a JSON-RPC object'));
    const message = body as Record<string, unknown>;
    adoptTraceHeaders(req.headers, message);
    const principal = this.authenticate(req);
    if (claimsModern(req.headers, message)) {
      await preloadModernClassifier();
      const outcome = classifyModern(req.headers, message);
      if (typeof outcome === 'object') return sendError(res, idOf(message), outcome);
      if (outcome === 'modern') return this.#modern(req, res, message, principal, canStream);
    }
    return this.#legacy(req, res, message, principal, canStream, !canJson, bytes);
  }

  /**
   * GET opens the legacy session's standalone stream, or with Last-Event-ID resumes the stream that id
   * names (a call's, or the standalone one); the modern era has none (405).
   */
  get(req: IncomingMessage, res: ServerResponse): void {
    const id = req.headers[SESSION_HEADER];
    if (typeof id !== 'string') return methodNotAllowed(res, 'POST, DELETE', 'Method Not Allowed: GET needs an Mcp-Session-Id');
    const session = this.layer.sessions.get(id);
    if (!session || !mayUseSession(session.client, this.authenticate(req))) return sendError(res, null, sessionNotFound());
    const registry = this.#registry(session);
    const last = req.headers['last-event-id'];
    let resumed: { stream: ResumableStream; seq: number } | undefined;
    if (typeof last === 'string' && registry !== undefined) {
      resumed = registry.find(session.id, last);
      if (resumed === undefined || !resumed.stream.canResume(resumed.seq))
        return sendError(res, null, new GatewayError('GW_INVALID_PARAMS', 'Last-Event-ID names no event this session can resume from'));
      if (!resumed.stream.standalone) {
        res.writeHead(200, { [SESSION_HEADER]: session.id, ...SSE_HEADERS });
        res.flushHeaders();
        return resumed.stream.attach(res, resumed.seq);
      }
    }
    if (session.standalone)
      return sendError(res, null, new GatewayError('GW_STREAM_CONFLICT', 'A stream is already open for this session'));
    const replay: ReplayTarget | undefined = registry && { registry, session: session.id, standalone: true };
    const stream = new ResponseStream(res, { [SESSION_HEADER]: session.id }, true, true, replay);
    // The stream lives as long as its session: it keeps the session from idling out, and closing the
    // session (DELETE, eviction, shutdown) ends it, so the caller sees the end instead of silence.
    let detach: () => void;
    try {
      detach = this.layer.openStream(session, stream.write, () => res.end());
    } catch (err) {
      return sendError(res, null, err);
    }
    if (resumed !== undefined) stream.resume(resumed.stream, resumed.seq);
    else stream.open();
    res.write(': open\n\n');
    markLongLived(res);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    keepAlive.unref();
    res.on('close', () => {
      clearInterval(keepAlive);
      detach();
    });
  }

  /** The registry when this session's caller gets resumable streams (2025-11-25 and later). */
  #registry(session: LegacySession): StreamRegistry | undefined {
    return this.streams?.resumable(session.protocolVersion) ? this.streams : undefined;
  }

  /** DELETE ends a legacy session. */
  delete(req: IncomingMessage, res: ServerResponse): void {
    const id = req.headers[SESSION_HEADER];
    if (typeof id !== 'string') return sendError(res, null, new GatewayError('GW_SESSION_REQUIRED', 'Missing Mcp-Session-Id header'));
    const owned = this.layer.sessions.get(id);
    if (!owned || !mayUseSession(owned.client, this.authenticate(req)) || !this.layer.end(id))
      return sendError(res, null, sessionNotFound());
    res.writeHead(204).end();
  }

  async #legacy(
    req: IncomingMessage,
    res: ServerResponse,
    message: Record<string, unknown>,
    principal: Principal,
    canStream: boolean,
    sseOnly: boolean,
    bytes: number,
  ): Promise<void> {
    if (isRequest(message) && message.method === 'initialize') {
      try {
        // Quotas follow the authenticated principal; anonymous callers are told apart by address.
        const client = principal.kind === 'anonymous' ? `address:${req.socket.remoteAddress ?? ''}` : `principal:${principal.id}`;
        const { session, response } = this.layer.initialize(message, { client, stateBytes: bytes });
        return new ResponseStream(res, { [SESSION_HEADER]: session.id }, canStream, sseOnly).finish(response);
      } catch (err) {
        return sendError(res, message.id, err);
      }
    }
    const id = req.headers[SESSION_HEADER];
    if (typeof id !== 'string')
      return sendError(res, idOf(message), new GatewayError('GW_SESSION_REQUIRED', 'Bad Request: Mcp-Session-Id header is required'));
    const session = this.layer.sessions.get(id);
    if (!session || !mayUseSession(session.client, principal)) return sendError(res, idOf(message), sessionNotFound());
    const version = req.headers['mcp-protocol-version'];
    if (typeof version === 'string' && !(LEGACY_VERSIONS as readonly string[]).includes(version))
      return sendError(
        res,
        idOf(message),
        new GatewayError('GW_UNSUPPORTED_VERSION', `Bad Request: unsupported MCP-Protocol-Version ${version}`, {
          data: { supported: LEGACY_VERSIONS },
        }),
      );
    if (isRequest(message)) {
      const registry = canStream ? this.#registry(session) : undefined;
      const replay: ReplayTarget | undefined = registry && { registry, session: session.id, standalone: false };
      const always = registry?.settings.sse === 'always';
      const stream = new ResponseStream(res, { [SESSION_HEADER]: session.id }, canStream, sseOnly || always, replay);
      const gone = callController(res, stream, message.id);
      if (registry === undefined)
        return finishLegacy(stream, await this.layer.handle(message, this.layer.legacyScope(session, principal, stream.write, gone)));
      const callId = message.id;
      stream.cancel = (err) => {
        stream.finish(failure(callId, toJsonRpcError(err)));
        gone.abort(err);
      };
      // Resumable from the first byte (`always`), and closed on purpose after pollAfterMs (SSE polling).
      if (always) stream.open();
      const { clock, settings } = registry;
      const poll = settings.pollAfterMs > 0 ? clock.setTimeout(() => stream.poll(), settings.pollAfterMs) : undefined;
      try {
        return finishLegacy(stream, await this.layer.handle(message, this.layer.legacyScope(session, principal, stream.write, gone)));
      } finally {
        if (poll !== undefined) clock.clearTimeout(poll);
      }
    }
    if (isNotification(message)) {
      this.layer.notify(message, session);
      return void res.writeHead(202).end();
    }
    if (isResponse(message)) {
      this.layer.respond(message, session);
      return void res.writeHead(202).end();
    }
    return sendError(res, idOf(message), new GatewayError('GW_INVALID_REQUEST', 'Invalid Request: not a JSON-RPC 2.0 message'));
  }

  async #modern(
    req: IncomingMessage,
    res: ServerResponse,
    message: Record<string, unknown>,
    principal: Principal,
    canStream: boolean,
  ): Promise<void> {
    if (!isRequest(message)) return void res.writeHead(202).end();
    const meta = (message.params?._meta ?? {}) as Record<string, unknown>;
    const stream = new ResponseStream(res, {}, canStream, false);
    // Modern era: closing the request's stream is the cancellation.
    const gone = callController(res, stream, message.id);
    if (message.method === 'subscriptions/listen') {
      stream.open();
      markLongLived(res);
      const filter = (message.params?.notifications ?? {}) as ListenFilter;
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      keepAlive.unref();
      const listenLevel = meta[META.logLevel];
      await this.layer.listen(
        message.id,
        filter,
        stream.write,
        gone.signal,
        typeof listenLevel === 'string' ? listenLevel : undefined,
        principal,
      );
      clearInterval(keepAlive);
      return void res.end();
    }
    if (message.method === 'tools/call' && typeof message.params?.name === 'string') {
      const declarations = await this.layer.dispatcher.toolHeaderDeclarations(message.params.name);
      const rejection = checkParamHeaders(req.headers, declarations, message.params.arguments);
      if (rejection) return sendError(res, message.id, rejection);
    }
    const logLevel = meta[META.logLevel];
    const response: JsonRpcResponse = await this.layer.handle(message as JsonRpcRequest, {
      era: 'modern',
      protocolVersion: String(meta[META.protocolVersion]),
      capabilities: (meta[META.clientCapabilities] ?? {}) as Record<string, unknown>,
      session: undefined,
      principal,
      write: stream.write,
      signal: gone.signal,
      controller: gone,
      logLevel: typeof logLevel === 'string' ? logLevel : undefined,
    });
    const limited = rateLimitedAnswer(response);
    if (limited !== undefined) return stream.finish(response, limited.status, limited.headers);
    stream.finish(response, 'error' in response ? modernInBandStatus(response.error) : 200);
  }
}

/** A legacy call's answer: in band (200), except a rate-limit refusal, which is a 429 with its headers when no stream started. */
function finishLegacy(stream: ResponseStream, response: JsonRpcResponse): void {
  const limited = rateLimitedAnswer(response);
  return limited === undefined ? stream.finish(response) : stream.finish(response, limited.status, limited.headers);
}

/** Event telling the HTTP server that a response is a long-lived stream: it must not hold a drain open. */
export const LONG_LIVED_EVENT = 'breakwater:long-lived';

function markLongLived(res: ServerResponse): void {
  res.emit(LONG_LIVED_EVENT);
}

function idOf(message: Record<string, unknown>): string | number | null {
  return typeof message.id === 'string' || typeof message.id === 'number' ? message.id : null;
}

function sessionNotFound(): GatewayError {
  return new GatewayError('GW_SESSION_NOT_FOUND', 'Session not found');
}
