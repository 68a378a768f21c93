import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../../core/index.js';
import type { Principal } from '../../pipeline/index.js';
import { GatewayError, toJsonRpcError } from '../../errors/index.js';
import type { JsonRpcMessage, RequestId } from '../../protocol/index.js';
import { failure, isNotification, isRequest, isResponse, META, MODERN_VERSION, MODERN_VERSIONS } from '../../protocol/index.js';
import type { LegacySession, SessionLayer } from '../../session/index.js';
import { ANONYMOUS } from '../../session/index.js';
import { NdjsonDecoder } from '../../upstream/ndjson-decoder.js';
import { parseCallerJson } from '../caller-json.js';

/**
 * `breakwater stdio`: the gateway as a stdio MCP server for desktop clients. Newline-delimited JSON on
 * stdin/stdout (logs go to stderr). A legacy caller initializes one session; a modern caller sends the
 * `_meta` envelope on every request and is served statelessly.
 */
export class StdioServer {
  #session: LegacySession | undefined;
  #modernInflight = new Map<RequestId, AbortController>();
  #closed: Promise<void>;

  constructor(
    private readonly layer: SessionLayer,
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly log: Logger,
    /** Who the caller is: stdio has no credentials, so the principal comes from config (`auth.stdio`). */
    private readonly principal: Principal = ANONYMOUS,
    /** Longest request line accepted (`server.maxBodyBytes`): a longer one is discarded as it streams, so memory stays bounded. */
    maxLineBytes = 4 * 1024 * 1024,
  ) {
    const decoder = new NdjsonDecoder(maxLineBytes, {
      line: (text) => this.#onLine(text),
      oversized: (bytes) =>
        this.#fail(
          null,
          new GatewayError('GW_PAYLOAD_TOO_LARGE', `Request line of ${bytes} bytes exceeds ${maxLineBytes} bytes (server.maxBodyBytes)`, {
            data: { limitBytes: maxLineBytes },
          }),
        ),
    });
    input.on('data', (chunk: Buffer | string) => decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    this.#closed = new Promise((resolve) => {
      // A last line without its newline is still a message, as readline treated it.
      input.once('end', () => {
        decoder.push(Buffer.from('\n'));
        resolve();
      });
      input.once('close', () => resolve());
    });
  }

  /** Resolves when stdin ends (the client went away). */
  get closed(): Promise<void> {
    return this.#closed;
  }

  #write = (message: JsonRpcMessage): boolean => {
    if (this.output.destroyed) return false;
    this.output.write(JSON.stringify(message) + '\n');
    return true;
  };

  #onLine(line: string): void {
    if (line.trim() === '') return;
    let message: unknown;
    try {
      message = parseCallerJson(line, this.layer.limits.maxJsonDepth, 'line');
    } catch (err) {
      return this.#fail(null, err);
    }
    if (Array.isArray(message))
      return this.#fail(null, new GatewayError('GW_INVALID_REQUEST', 'Invalid Request: JSON-RPC batches are not supported'));
    void this.#dispatch(message, line).catch((err: unknown) => this.log.error({ err: String(err) }, 'stdio dispatch failed'));
  }

  async #dispatch(message: unknown, line: string): Promise<void> {
    if (isRequest(message)) {
      const meta = (message.params?._meta ?? {}) as Record<string, unknown>;
      const claimed = meta[META.protocolVersion];
      if (claimed === MODERN_VERSION) return this.#modern(message, meta);
      // Any other envelope claim names a revision the gateway does not serve: -32022 lists those it does.
      if (claimed !== undefined) {
        const requested = typeof claimed === 'string' ? claimed : 'unknown';
        const err = new GatewayError('GW_UNSUPPORTED_VERSION', `Unsupported protocol version: ${requested}`, {
          data: { supported: [...MODERN_VERSIONS], requested },
        });
        return this.#fail(message.id, err);
      }
      if (message.method === 'initialize') {
        if (this.#session) this.layer.end(this.#session.id);
        this.#session = undefined;
        let opened: ReturnType<SessionLayer['initialize']>;
        try {
          opened = this.layer.initialize(message, { client: 'stdio', stateBytes: Buffer.byteLength(line) });
        } catch (err) {
          return this.#fail(message.id, err);
        }
        const { session, response } = opened;
        this.#session = session;
        session.standalone = this.#write;
        this.#write(response);
        return;
      }
      if (!this.#session)
        return this.#fail(
          message.id,
          new GatewayError('GW_SESSION_REQUIRED', 'Invalid Request: initialize first (or send the 2026-07-28 _meta envelope)'),
        );
      const scope = this.layer.legacyScope(this.#session, this.principal, this.#write, new AbortController());
      this.#write(await this.layer.handle(message, scope));
      return;
    }
    if (isNotification(message)) {
      if (message.method === 'notifications/cancelled') {
        const id = message.params?.requestId as RequestId | undefined;
        const modern = id === undefined ? undefined : this.#modernInflight.get(id);
        if (modern) return void modern.abort(new GatewayError('GW_CANCELLED', 'Cancelled by caller'));
      }
      this.layer.notify(message, this.#session);
      return;
    }
    if (isResponse(message) && this.#session) {
      this.layer.respond(message, this.#session);
      return;
    }
    this.#fail(null, new GatewayError('GW_INVALID_REQUEST', 'Invalid Request: not a JSON-RPC 2.0 message'));
  }

  /**
   * The one renderer of a stdio rejection (docs/adr/0007-one-error-path-to-the-wire.md): a JSON-RPC
   * error line with `data.code`; stdio has no status, so the error object is the whole answer.
   */
  #fail(id: RequestId | null, err: unknown): void {
    this.#write(failure(id, toJsonRpcError(err)));
  }

  async #modern(message: Parameters<SessionLayer['handle']>[0], meta: Record<string, unknown>): Promise<void> {
    // A second request with an id still in flight would make the first uncancellable: refuse it.
    if (this.#modernInflight.has(message.id)) {
      const err = new GatewayError(
        'GW_INVALID_REQUEST',
        `Invalid Request: request id ${JSON.stringify(message.id).slice(0, 64)} is already in use`,
      );
      return this.#fail(message.id, err);
    }
    const controller = new AbortController();
    this.#modernInflight.set(message.id, controller);
    try {
      const logLevel = meta[META.logLevel];
      if (message.method === 'subscriptions/listen') {
        await this.layer.listen(message.id, (message.params?.notifications ?? {}) as never, this.#write, controller.signal);
        return;
      }
      const response = await this.layer.handle(message, {
        era: 'modern',
        protocolVersion: MODERN_VERSION,
        capabilities: (meta[META.clientCapabilities] ?? {}) as Record<string, unknown>,
        session: undefined,
        principal: this.principal,
        write: this.#write,
        signal: controller.signal,
        controller,
        logLevel: typeof logLevel === 'string' ? logLevel : undefined,
      });
      if (!controller.signal.aborted) this.#write(response);
    } finally {
      this.#modernInflight.delete(message.id);
    }
  }
}
