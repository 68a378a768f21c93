import { toJsonRpcError } from '../errors/index.js';
import { failure, isRequest, success, type JsonRpcRequest, type RequestId } from '../protocol/index.js';
import type { Channel } from './channel.js';
import type { UpstreamLogger } from './spec.js';
import type { ServerRequestHandler, UpstreamRequestOptions } from './types.js';

interface Live {
  readonly controller: AbortController;
  readonly ownerId: number | undefined;
}

/**
 * Server→client requests (sampling, elicitation, roots, ping) arriving from the upstream: each runs
 * with its own AbortSignal, aborted by the upstream's notifications/cancelled, by the owning request
 * finishing, or by the channel closing. `ping` is answered here and never relayed.
 */
export class InboundRequests {
  readonly #live = new Map<RequestId, Live>();

  constructor(
    private readonly channel: Channel,
    private readonly log: UpstreamLogger,
    private readonly upstream: string,
  ) {}

  /** Routes one request to the owner's onRequest, else the fallback, else answers -32601. */
  handle(
    raw: Record<string, unknown>,
    owner: { id: number; options: UpstreamRequestOptions } | undefined,
    fallback: ServerRequestHandler | undefined,
  ): void {
    if (!isRequest(raw)) {
      this.log.warn({ upstream: this.upstream }, 'invalid server→client request dropped');
      return;
    }
    const request: JsonRpcRequest = raw;
    if (request.method === 'ping') return this.#reply(success(request.id, {}));
    const handler = owner?.options.onRequest ?? fallback;
    if (handler === undefined) return this.#reply(failure(request.id, { code: -32601, message: 'Method not found' }));
    const controller = new AbortController();
    this.#live.set(request.id, { controller, ownerId: owner?.id });
    let reply: Promise<Record<string, unknown>>;
    try {
      reply = handler(request, controller.signal);
    } catch (err) {
      reply = Promise.reject(err);
    }
    reply.then(
      (result) => this.#finish(request.id, controller, success(request.id, result)),
      (err: unknown) => this.#finish(request.id, controller, failure(request.id, toJsonRpcError(err))),
    );
  }

  /** The upstream cancelled one of its requests. */
  cancel(id: RequestId, reason: unknown): void {
    this.#live.get(id)?.controller.abort(typeof reason === 'string' ? reason : 'cancelled by upstream');
  }

  /** Aborts the server→client requests raised during the given outgoing request. */
  abortOwnedBy(ownerId: number, reason: string): void {
    if (this.#live.size === 0) return;
    for (const live of this.#live.values()) if (live.ownerId === ownerId) live.controller.abort(reason);
  }

  /** Aborts everything (channel closed). */
  abortAll(reason: string): void {
    for (const live of this.#live.values()) live.controller.abort(reason);
    this.#live.clear();
  }

  #finish(id: RequestId, controller: AbortController, response: Parameters<Channel['send']>[0]): void {
    if (this.#live.get(id)?.controller === controller) this.#live.delete(id);
    // A request the upstream cancelled gets no response (spec: the receiver SHOULD NOT answer).
    if (controller.signal.aborted) return;
    this.#reply(response);
  }

  #reply(response: Parameters<Channel['send']>[0]): void {
    this.channel.send(response).catch((err: unknown) => {
      this.log.debug({ upstream: this.upstream, err }, 'could not deliver the reply to a server→client request');
    });
  }
}
