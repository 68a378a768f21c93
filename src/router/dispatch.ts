import { systemClock } from '../core/index.js';
import { errors } from '../errors/index.js';
import type { CallContext, CallResult, Next } from '../pipeline/index.js';
import { META, type Params } from '../protocol/index.js';
import { mcpParamHeaders } from '../protocol/mcp-param.js';
import type { UpstreamConnection, UpstreamRequestOptions } from '../upstream/types.js';
import { INPUT_REQUIRED_METHODS, InputBridge } from './input-bridge.js';

/**
 * Finds the connection for an upstream (and replica, when the replica policy chose one); the call's
 * context lets an isolated upstream pick the caller's own connection, which may still be starting.
 */
export type ConnectionResolver = (
  upstream: string,
  replica: number | undefined,
  ctx: CallContext,
) => UpstreamConnection | Promise<UpstreamConnection> | undefined;

/** Bound on multi-round-trip rounds bridged for one legacy call (a server asking forever is a bug). */
const MAX_INPUT_ROUNDS = 8;

/**
 * The pipeline's terminal step: one attempt against the chosen upstream connection. Everything that
 * flows back to the caller during the attempt marks the call committed, so outer policies never
 * retry a call whose effects the caller may already have seen.
 */
export function createDispatch(resolve: ConnectionResolver, bridge: InputBridge = defaultBridge()): Next {
  return async (ctx: CallContext): Promise<CallResult> => {
    // A modern caller's retry of a call the input bridge parked resumes it, on the connection it started on.
    if (bridge.resumes(ctx)) return bridge.resume(ctx);
    const found = resolve(ctx.route.upstream, ctx.replica, ctx);
    // Only a caller's first call to an isolated upstream waits here; the hot path awaits nothing extra.
    const connection = found instanceof Promise ? await found : found;
    if (!connection) throw errors.upstreamUnavailable(ctx.route.upstream, 'no such upstream', false);
    ctx.state.attempts++;
    // A dual-era upstream serves each caller in the caller's own era (a legacy caller: its legacy link).
    const era = connection.eraFor?.(ctx.era) ?? connection.info?.era;
    const options = attemptOptions(ctx, era === 'modern');
    // A legacy upstream asks for client input with server→client requests, which a modern caller cannot
    // receive: the bridge turns them into an InputRequiredResult and resumes on the caller's retry.
    if (ctx.era === 'modern' && era === 'legacy' && INPUT_REQUIRED_METHODS.has(ctx.method)) return bridge.start(ctx, connection, options);
    let result = await connection.request(ctx.method, ctx.params, options);
    // A modern upstream asks for client input with an InputRequiredResult. A modern caller gets it
    // untouched; a legacy caller cannot read it, so the gateway asks the caller with the legacy
    // server→client requests and retries upstream with the answers (MRTR bridged to 2025 sessions).
    for (let round = 0; ctx.era === 'legacy' && result.resultType === 'input_required' && round < MAX_INPUT_ROUNDS; round++) {
      result = await connection.request(ctx.method, await answerInputs(ctx, result), options);
    }
    return result;
  };
}

async function answerInputs(ctx: CallContext, result: CallResult): Promise<Params> {
  ctx.state.committed = true;
  const requests = (result.inputRequests ?? {}) as Record<string, { method: string; params?: Params }>;
  const responses: Record<string, unknown> = {};
  for (const [key, request] of Object.entries(requests)) {
    responses[key] = await ctx.caller.request(
      request.params === undefined ? { method: request.method } : { method: request.method, params: request.params },
      ctx.signal,
    );
  }
  const params: Params = { ...ctx.params, inputResponses: responses };
  if (typeof result.requestState === 'string') params.requestState = result.requestState;
  return params;
}

/** The bridge with its default bounds (the gateway passes one built from `server.inputBridge`). */
function defaultBridge(): InputBridge {
  return new InputBridge({ clock: systemClock, maxParked: 1024, ttlMs: 120_000 });
}

function attemptOptions(ctx: CallContext, modernUpstream: boolean): UpstreamRequestOptions {
  const { caller, state, progressToken } = ctx;
  const logLevel = caller.logLevel;
  const declarations = modernUpstream ? ctx.mcpParams : undefined;
  const paramHeaders = declarations === undefined ? undefined : mcpParamHeaders(declarations, ctx.params.arguments);
  // The gateway's client span (tracing on): its W3C context goes in `_meta` to every upstream, and in headers over HTTP.
  const trace = ctx.traceCarrier;
  const headers = trace === undefined ? paramHeaders : { ...paramHeaders, ...trace };
  // A modern upstream learns client capabilities per request: declare the caller's, so the upstream
  // never asks for input the caller cannot give (it answers -32021 itself instead).
  const meta: Record<string, unknown> | undefined =
    logLevel === undefined && !modernUpstream && trace === undefined
      ? undefined
      : {
          ...trace,
          ...(logLevel !== undefined && { [META.logLevel]: logLevel }),
          ...(modernUpstream && { [META.clientCapabilities]: caller.capabilities }),
        };
  return {
    signal: ctx.signal,
    era: ctx.era,
    // The caller server→client traffic may be attributed to: a legacy session, or this one modern call.
    owner: ctx.sessionId ?? ctx.requestId,
    ...(meta !== undefined && { meta }),
    ...(headers !== undefined && { headers }),
    onNotification: (message) => {
      state.committed = true;
      caller.notify(message);
    },
    onRequest: (request, signal) => {
      state.committed = true;
      return caller.request({ method: request.method, ...(request.params ? { params: request.params } : {}) }, signal);
    },
    ...(progressToken !== undefined && {
      onProgress: (progress: { progress: number; total?: number; message?: string }) => {
        state.committed = true;
        ctx.onProgress?.();
        caller.notify({ jsonrpc: '2.0', method: 'notifications/progress', params: { ...progress, progressToken } });
      },
    }),
  };
}
