import type { Clock } from '../../core/clock.js';
import type { Alert, AlertSink } from './engine.js';

/** Options of an HTTP sink. */
export interface HttpSinkOptions {
  readonly name: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly retry: { readonly attempts: number; readonly backoffMs: number };
  readonly body: (alert: Alert) => unknown;
  readonly clock: Clock;
  /** Reports a delivery given up after every attempt (never the URL's secrets or the headers). */
  readonly onFailure?: (alert: Alert, error: string) => void;
  /** Called after each delivered alert (tests, metrics). */
  readonly onDelivered?: (alert: Alert, attempts: number) => void;
}

/**
 * An HTTP sink: POSTs JSON, retrying a failure (network, 5xx, 429) up to `attempts` with doubling backoff.
 * De-duplicates: one delivery per (alert id, state) change, so a firing alert is sent once and its
 * resolution once, whatever the engine or a retry does.
 */
export function createHttpSink(o: HttpSinkOptions): AlertSink {
  const sent = new Map<string, Alert['state']>();
  const post = async (alert: Alert): Promise<void> => {
    const body = JSON.stringify(o.body(alert));
    let error = '';
    for (let attempt = 1; attempt <= o.retry.attempts; attempt++) {
      try {
        const res = await fetch(o.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...o.headers },
          body,
          signal: AbortSignal.timeout(o.timeoutMs),
        });
        await res.arrayBuffer();
        if (res.ok) return o.onDelivered?.(alert, attempt);
        error = `HTTP ${res.status}`;
        // Other 4xx are our mistake or a bad key: retrying would only repeat it.
        if (res.status < 500 && res.status !== 429) break;
      } catch (err) {
        error = (err as Error).name === 'TimeoutError' ? `timed out after ${o.timeoutMs} ms` : (err as Error).message;
      }
      if (attempt < o.retry.attempts)
        await new Promise<void>((r) => o.clock.setTimeout(r, o.retry.backoffMs * 2 ** (attempt - 1)).unref?.());
    }
    o.onFailure?.(alert, error);
  };
  return (alert) => {
    if (sent.get(alert.id) === alert.state) return;
    sent.set(alert.id, alert.state);
    void post(alert);
  };
}
