import { GatewayError, toJsonRpcError } from '../errors/index.js';
import { failure, isRequest, success, type JsonRpcRequest, type RequestId } from '../protocol/index.js';
import type { Channel } from './channel.js';
import { UNATTRIBUTABLE_MESSAGE, type PeerStats } from './peer-routing.js';
import type { Root, UpstreamLogger } from './spec.js';
import type { ServerRequestHandler, UpstreamRequestOptions } from './types.js';

/** The call a server→client request belongs to; 'doubtful' when it cannot be told (several callers in flight). */
export type InboundTarget = { readonly id: number; readonly options: UpstreamRequestOptions } | 'doubtful' | undefined;

/** What the inbound side needs from its peer. */
export interface InboundOptions {
  readonly channel: Channel;
  readonly log: UpstreamLogger;
  readonly upstream: string;
  readonly stats: PeerStats;
  /** Configured roots: the answer to a `roots/list` no caller can give (absent: none configured). */
  readonly roots: readonly Root[] | undefined;
}

interface Live {
  readonly controller: AbortController;
  /** The outgoing call it was raised during; moves to another call of the same caller when that one ends. */
  ownerId: number | undefined;
  /** The upstream cancelled it: the one case where it gets no answer (spec: the receiver SHOULD NOT answer). */
  cancelledByUpstream: boolean;
}

/**
 * Server→client requests (sampling, elicitation, roots, ping) arriving from the upstream: each runs
 * with its own AbortSignal, aborted by the upstream's notifications/cancelled, by the owning request
 * finishing, or by the channel closing. `ping` is answered here and never relayed. A request with no
 * caller to attribute it to is refused (and counted), never handed to a guess; `roots/list` then gets
 * the configured roots, the one answer that holds whoever asked.
 */
export class InboundRequests {
  readonly #live = new Map<RequestId, Live>();
  readonly #o: InboundOptions;

  constructor(options: InboundOptions) {
    this.#o = options;
  }

  /** Routes one request to its call's onRequest, else the configured roots or the fallback, else refuses it. */
  handle(raw: Record<string, unknown>, target: InboundTarget, fallback: ServerRequestHandler | undefined): void {
    if (!isRequest(raw)) {
      this.#o.log.warn({ upstream: this.#o.upstream }, 'invalid server→client request dropped');
      return;
    }
    const request: JsonRpcRequest = raw;
    if (request.method === 'ping') return this.#reply(success(request.id, {}));
    const roots = request.method === 'roots/list' ? this.#o.roots : undefined;
    if (target === 'doubtful') {
      if (roots !== undefined) return this.#reply(success(request.id, { roots }));
      this.#o.stats.unattributedRequests++;
      return this.#refuse(request, UNATTRIBUTABLE_MESSAGE);
    }
    const owned = target?.options.onRequest;
    let handler = owned ?? fallback;
    // A caller that did not declare roots cannot answer: the configured roots do, for it alone.
    if (roots !== undefined)
      handler = owned === undefined ? async () => ({ roots }) : (r, s) => owned(r, s).catch((err: unknown) => declined(err, roots));
    if (handler === undefined) {
      this.#o.stats.unattributedRequests++;
      return this.#refuse(
        request,
        `Breakwater has no caller to relay ${request.method} to: no caller's call is in flight on this upstream`,
      );
    }
    const controller = new AbortController();
    this.#live.set(request.id, { controller, ownerId: target?.id, cancelledByUpstream: false });
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

  /** Server→client requests still running. */
  get size(): number {
    return this.#live.size;
  }

  /** The upstream cancelled one of its requests. */
  cancel(id: RequestId, reason: unknown): void {
    const live = this.#live.get(id);
    if (live === undefined) return;
    live.cancelledByUpstream = true;
    live.controller.abort(typeof reason === 'string' ? reason : 'cancelled by upstream');
  }

  /**
   * The outgoing call `ownerId` ended. Its server→client requests move to `successor` (another call of
   * the same caller, who is still there to answer), else they are aborted and the upstream is told so.
   */
  ownerFinished(ownerId: number, successor: number | undefined): void {
    for (const live of this.#live.values()) {
      if (live.ownerId !== ownerId) continue;
      if (successor !== undefined) live.ownerId = successor;
      else live.controller.abort(new GatewayError('GW_CANCELLED', 'The call this request was raised for has ended'));
    }
  }

  /** Aborts everything (channel closed). */
  abortAll(reason: string): void {
    for (const live of this.#live.values()) live.controller.abort(reason);
    this.#live.clear();
  }

  #finish(id: RequestId, controller: AbortController, response: Parameters<Channel['send']>[0]): void {
    const live = this.#live.get(id);
    if (live?.controller === controller) this.#live.delete(id);
    // A request the upstream cancelled gets no response (spec: the receiver SHOULD NOT answer); one cut
    // short because its call ended is answered with the error, so the upstream never waits on it.
    if (live?.cancelledByUpstream === true || (live === undefined && controller.signal.aborted)) return;
    this.#reply(response);
  }

  #refuse(request: JsonRpcRequest, message: string): void {
    const err = new GatewayError('GW_UNATTRIBUTABLE', message, { data: { method: request.method } });
    this.#reply(failure(request.id, toJsonRpcError(err)));
  }

  #reply(response: Parameters<Channel['send']>[0]): void {
    this.#o.channel.send(response).catch((err: unknown) => {
      this.#o.log.debug({ upstream: this.#o.upstream, err }, 'could not deliver the reply to a server→client request');
    });
  }
}

/** The caller lacked the roots capability: the configured roots answer instead; other failures stand. */
function declined(err: unknown, roots: readonly Root[]): Record<string, unknown> {
  if (err instanceof GatewayError && err.code === 'GW_MISSING_CLIENT_CAPABILITY') return { roots };
  throw err;
}
