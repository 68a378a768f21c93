// One scripted `tools/call`: decide the outcome, wait (latency, progress, hang), then answer or stop on cancel.
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { onAbort } from '../../core/index.js';
import type { JsonRpcRequest } from '../../protocol/index.js';
import type { ToolRuntime } from './behaviour.js';
import { bigResultFrame, errorFrame, malformedFrames, notificationFrame, resultFrame } from './frames.js';
import { malformedVariant } from './script.js';
import type { CancelReason, Stats } from './stats.js';
import type { HttpHint, Outbound, PeerSession } from './types.js';

/** What a call needs from the engine around it. */
export interface CallDeps {
  stats: Stats;
  /** Ends the process abruptly (the `crashAfterCalls` behaviour). */
  crash(): void;
  /** Fields added to every result (the modern era's `resultType` and `_meta`), if any. */
  extra: Record<string, unknown> | undefined;
}

type Failure = { code: number; message: string; data?: unknown; http?: HttpHint };

/** Runs one call; answers synchronously when nothing in the script asks it to wait. */
export async function runToolCall(
  tool: ToolRuntime,
  req: JsonRpcRequest,
  peer: PeerSession,
  out: Outbound,
  deps: CallDeps,
  signal?: AbortSignal,
): Promise<void> {
  const { stats } = deps;
  const params = req.params ?? {};
  const meta = params._meta as Record<string, unknown> | undefined;
  const count = stats.callStarted(tool.name, meta);
  const b = tool.b;
  if (b.crashAfterCalls !== undefined && count > b.crashAfterCalls) return deps.crash();

  const controller = new AbortController();
  peer.running.set(req.id, controller);
  const unlink = signal === undefined ? () => {} : onAbort(signal, (r) => controller.abort(r));
  const finish = (): void => {
    peer.running.delete(req.id);
    unlink();
    stats.callEnded();
  };
  // Draw in a fixed order at arrival so a seed reproduces the same outcomes for the same call order.
  const delay = tool.latencyMs();
  const failure = pickFailure(tool);
  try {
    const p = b.progress;
    if (p !== undefined) {
      const token = meta?.progressToken;
      for (let i = 1; i <= p.count; i++) {
        await sleep(p.intervalMs, undefined, { signal: controller.signal });
        if (typeof token === 'string' || typeof token === 'number') {
          out.interim(
            notificationFrame('notifications/progress', {
              progressToken: token,
              progress: i,
              total: p.count,
              message: `step ${i}/${p.count}`,
            }),
          );
        }
      }
    }
    // Like an SDK server (which awaits each send), write the answer apart from the last progress: a client
    // that gets both in one stdio chunk drops that progress (SDK 2.4.0 handles notifications a microtask late).
    if (p !== undefined && delay === 0 && !b.hang) await nextTurn(undefined, { signal: controller.signal });
    if (b.hang) await new Promise((_, reject) => onAbort(controller.signal, reject));
    if (delay > 0) await sleep(delay, undefined, { signal: controller.signal });
  } catch (err) {
    if (!controller.signal.aborted) throw err;
    const reason = controller.signal.reason as unknown;
    if (reason === 'cancelled' || reason === 'disconnect') stats.cancelled(tool.name, reason satisfies CancelReason);
    finish();
    out.abandon();
    return;
  }
  // Counters change before the answer is written, so a stats file never lags what a client saw.
  finish();
  if (failure !== undefined) {
    stats.injectedError(tool.name);
    return out.final(errorFrame(req.id, failure.code, failure.message, failure.data), failure.http);
  }
  answer(tool, req, out, deps.extra);
}

function pickFailure(tool: ToolRuntime): Failure | undefined {
  const b = tool.b;
  const http = (extra?: Record<string, string>): HttpHint | undefined =>
    b.httpStatus === undefined ? undefined : { status: b.httpStatus, ...(extra && { headers: extra }) };
  // Always draw, so a down phase or pushback does not shift the tool's random stream.
  const rateHit = tool.failsByRate();
  if (tool.isDown()) return { code: -32603, message: 'mock-upstream: flapping (down phase)', http: http() };
  if (b.retryAfterMs !== undefined) {
    const retryAfter = { 'retry-after': String(Math.ceil(b.retryAfterMs / 1000)) };
    return {
      code: -32000,
      message: 'mock-upstream: overloaded, retry later',
      data: { retryAfterMs: b.retryAfterMs },
      http: http(retryAfter),
    };
  }
  if (rateHit) {
    const e = b.error ?? { code: -32603, message: 'mock-upstream: injected error' };
    return { ...e, http: http() };
  }
  return undefined;
}

function answer(tool: ToolRuntime, req: JsonRpcRequest, out: Outbound, extra: Record<string, unknown> | undefined): void {
  const b = tool.b;
  if (b.outputBytes !== undefined) return out.final(bigResultFrame(req.id, b.outputBytes, extra));
  const text = b.text ?? (b.isError ? `mock-upstream: ${tool.name} failed` : echoText(req.params?.arguments));
  const result: Record<string, unknown> = { content: [{ type: 'text', text }], ...extra };
  if (b.isError) result.isError = true;
  const variant = malformedVariant(b);
  if (variant === undefined) return out.final(resultFrame(req.id, result));
  const frames = malformedFrames(variant, req.id, result);
  for (const f of frames.interim) out.interim(f);
  out.final(frames.final);
}

function echoText(args: unknown): string {
  if (typeof args === 'object' && args !== null) {
    const a = args as Record<string, unknown>;
    if (typeof a.text === 'string') return a.text;
    if (typeof a.message === 'string') return a.message;
  }
  return JSON.stringify(args ?? {});
}
