import { errors } from '../errors/index.js';
import type { CallContext, CallResult, Next } from '../pipeline/index.js';
import type { UpstreamConnection, UpstreamRequestOptions } from '../upstream/types.js';

/** Finds the connection for an upstream (and replica, when the replica policy chose one). */
export type ConnectionResolver = (upstream: string, replica: number | undefined) => UpstreamConnection | undefined;

/**
 * The pipeline's terminal step: one attempt against the chosen upstream connection. Everything that
 * flows back to the caller during the attempt marks the call committed, so outer policies never
 * retry a call whose effects the caller may already have seen.
 */
export function createDispatch(resolve: ConnectionResolver): Next {
  return (ctx: CallContext): Promise<CallResult> => {
    const connection = resolve(ctx.route.upstream, ctx.replica);
    if (!connection) return Promise.reject(errors.upstreamUnavailable(ctx.route.upstream, 'no such upstream', false));
    ctx.state.attempts++;
    return connection.request(ctx.method, ctx.params, attemptOptions(ctx));
  };
}

function attemptOptions(ctx: CallContext): UpstreamRequestOptions {
  const { caller, state, progressToken } = ctx;
  const options: {
    signal: AbortSignal;
    onProgress?: UpstreamRequestOptions['onProgress'];
    onNotification: NonNullable<UpstreamRequestOptions['onNotification']>;
    onRequest: NonNullable<UpstreamRequestOptions['onRequest']>;
  } = {
    signal: ctx.signal,
    onNotification: (message) => {
      state.committed = true;
      caller.notify(message);
    },
    onRequest: (request, signal) => {
      state.committed = true;
      return caller.request({ method: request.method, ...(request.params ? { params: request.params } : {}) }, signal);
    },
  };
  if (progressToken !== undefined) {
    const extend = ctx.onProgress;
    options.onProgress = (progress) => {
      state.committed = true;
      extend?.();
      caller.notify({ jsonrpc: '2.0', method: 'notifications/progress', params: { ...progress, progressToken } });
    };
  }
  return options;
}
