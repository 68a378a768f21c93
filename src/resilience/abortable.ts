import type { Clock } from '../core/index.js';
import { onAbort } from '../core/index.js';

/** Waits `ms` on `clock`; rejects with the signal's reason on abort. The timer and listener never outlive it. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    let off = (): void => {};
    const timer = clock.setTimeout(() => {
      off();
      resolve();
    }, ms);
    off = onAbort(signal, (reason) => {
      clock.clearTimeout(timer);
      reject(reason);
    });
  });
}

/**
 * Settles with `promise`, or rejects with the signal's reason as soon as it aborts, so a callee that
 * ignores its signal cannot hold the caller past a deadline. A late settlement is swallowed.
 */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const off = onAbort(signal, reject);
    promise.then(
      (value) => {
        off();
        resolve(value);
      },
      (err: unknown) => {
        off();
        reject(err);
      },
    );
  });
}

/**
 * Runs `body` under a child signal of `parent` and settles with the first of: the body's outcome, the
 * parent aborting, or `abort(reason)` (from a timer). Either abort aborts the child (the callee sees a
 * cancellation) and rejects at once with the reason, so a callee that ignores its signal cannot hold
 * the caller; a late outcome is swallowed. Only `parent` gets a listener: on Node 20 the first listener
 * on a fresh AbortSignal costs ~5 µs, so the child is left to the callee.
 */
export function runAbortable<T>(
  parent: AbortSignal,
  body: (signal: AbortSignal, abort: (reason: unknown) => void) => Promise<T>,
): Promise<T> {
  if (parent.aborted) return Promise.reject(parent.reason);
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let off = (): void => {};
    const abort = (reason: unknown): void => {
      if (settled) return;
      settled = true;
      off();
      controller.abort(reason);
      reject(reason);
    };
    off = onAbort(parent, abort);
    let running: Promise<T>;
    try {
      running = body(controller.signal, abort);
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(
      (value) => {
        if (settled) return;
        settled = true;
        off();
        resolve(value);
      },
      (err: unknown) => {
        if (settled) return;
        settled = true;
        off();
        reject(err);
      },
    );
  });
}
