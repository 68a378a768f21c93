import { GatewayError, UpstreamRpcError } from '../../errors/index.js';
import type { CallContext, CallResult } from '../../pipeline/index.js';
import { digest } from '../../store/audit/chain.js';
import type { AuditBegin, AuditOutcome, AuditSink } from '../../store/audit-sink.js';
import type { Channels } from '../channels.js';
import { redactArguments } from './redact-args.js';

/** What the writer records besides the call itself. */
export interface AuditWriterOptions {
  readonly recordArguments: boolean;
  readonly sensitiveArguments: readonly string[];
}

interface Decision {
  readonly decision?: 'allow' | 'deny';
  readonly rule?: string;
}

// Codes of the gateway's own refusals of a call (as opposed to failures): their final record says `denied`.
const REFUSALS = new Set(['GW_RATE_LIMITED', 'GW_GUARD_REJECTED', 'GW_TOOL_BLOCKED']);
// Decisions held for calls in flight; a call always ends (the gate's finally), so this only guards a leak.
const MAX_DECISIONS = 10_000;

/**
 * Turns calls into audit records (ADR 0019): the audit gate's recorder. The deciding authorization rule,
 * or the limit or guard that refused, comes from the observability channels and joins the final record.
 * Authentication failures at the edge become denial records.
 */
export class AuditWriter {
  readonly #decisions = new Map<string, Decision>();
  readonly #sensitive: ReadonlySet<string>;
  readonly #unsubscribe: Array<() => void> = [];

  constructor(
    private readonly sink: AuditSink,
    private readonly options: AuditWriterOptions,
    channels?: Channels,
  ) {
    this.#sensitive = new Set(options.sensitiveArguments.map((s) => s.toLowerCase()));
    if (!channels) return;
    this.#unsubscribe.push(
      channels.authorization.subscribe((e) => {
        if (e.requestId !== undefined) this.#decide(e.requestId, { decision: e.allowed ? 'allow' : 'deny', rule: e.rule });
      }),
      channels.rateLimit.subscribe((e) => {
        if (e.requestId !== undefined && !e.allowed && !e.shadow)
          this.#decide(e.requestId, { decision: 'deny', rule: `rate-limit:${e.limit}` });
      }),
      channels.guard.subscribe((e) => {
        if (e.decision === 'deny' && e.mode === 'enforce')
          this.#decide(e.requestId, { decision: 'deny', rule: `guard:${e.guard}:${e.rule}` });
      }),
      channels.authentication.subscribe((e) => {
        if (e.outcome === 'ok') return;
        sink.denial({
          time: new Date().toISOString(),
          method: 'authenticate',
          reason: `${e.method}:${e.outcome}${e.reason ? `:${e.reason}` : ''}`,
          ...(e.principal !== undefined && { principal: e.principal }),
          ...(e.remoteAddress !== undefined && { remoteAddress: e.remoteAddress }),
        });
      }),
    );
  }

  /** The gate's recorder: the begin record now, the final one when the call ends. */
  begin(ctx: CallContext): { durable: Promise<void>; end(result: CallResult | undefined, err: unknown): void } {
    const args = ctx.params.arguments ?? ctx.params;
    const record: AuditBegin = {
      time: isoNow(),
      requestId: ctx.requestId,
      principal: ctx.principal.id,
      principalKind: ctx.principal.kind,
      ...(ctx.sessionId !== undefined && { session: ctx.sessionId }),
      era: ctx.era,
      method: ctx.method,
      upstream: ctx.route.upstream,
      tool: ctx.route.name,
      argsDigest: digest(args),
      ...(this.options.recordArguments && { args: redactArguments(args, this.#sensitive) }),
    };
    const started = ctx.clock.now();
    return {
      durable: this.sink.begin(record),
      end: (result, err) => {
        const decided = this.#decisions.get(ctx.requestId);
        if (decided) this.#decisions.delete(ctx.requestId);
        const { outcome, errorCode } = outcomeOf(result, err, ctx.signal, decided);
        this.sink.end({
          ...record,
          outcome,
          ...(errorCode !== undefined && { errorCode }),
          ...decided,
          latencyMs: Math.round((ctx.clock.now() - started) * 1000) / 1000,
          attempts: ctx.state.attempts,
        });
      },
    };
  }

  /** Stops listening to the channels. */
  close(): void {
    for (const u of this.#unsubscribe.splice(0)) u();
  }

  #decide(requestId: string, decision: Decision): void {
    if (this.#decisions.size >= MAX_DECISIONS) this.#decisions.clear();
    // The first refusal decides; a later allow (another rule layer) never hides it.
    if (this.#decisions.get(requestId)?.decision !== 'deny') this.#decisions.set(requestId, decision);
  }
}

let isoMs = 0;
let isoText = '';
/** Wall-clock ISO time, formatted once per millisecond (calls arriving together share it). */
function isoNow(): string {
  const now = Date.now();
  if (now !== isoMs) {
    isoMs = now;
    isoText = new Date(now).toISOString();
  }
  return isoText;
}

/** How the call ended, as the final record says it (same classes as the call events, plus `denied`). */
function outcomeOf(
  result: CallResult | undefined,
  err: unknown,
  signal: AbortSignal,
  decided: Decision | undefined,
): { outcome: AuditOutcome; errorCode?: string } {
  if (err === undefined) return { outcome: result?.isError === true ? 'tool-error' : 'ok' };
  if (err instanceof UpstreamRpcError) return { outcome: 'upstream-error', errorCode: String(err.rpcCode) };
  if (err instanceof GatewayError) {
    if (decided?.decision === 'deny' || REFUSALS.has(err.code)) return { outcome: 'denied', errorCode: err.code };
    if (err.code === 'GW_CANCELLED' || (signal.aborted && !err.upstreamFault && err.code !== 'GW_SHUTTING_DOWN'))
      return { outcome: 'cancelled', errorCode: err.code };
    return { outcome: err.upstreamFault ? 'upstream-error' : 'gateway-error', errorCode: err.code };
  }
  return { outcome: signal.aborted ? 'cancelled' : 'gateway-error', errorCode: 'GW_INTERNAL' };
}
