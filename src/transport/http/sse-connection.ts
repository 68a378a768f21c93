import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { JsonRpcMessage } from '../../protocol/index.js';
import type { LegacySession } from '../../session/index.js';
import { dropReason } from './edge-response.js';

/** Why an SSE connection ended (for the log line). */
export type SseEndReason = 'closed' | 'dropped' | 'session-ended' | 'never-initialized';

/**
 * One 2024-11-05 HTTP+SSE stream: the only way back to its caller, so every response, progress
 * notification, server→client request and list_changed goes through `write`. It carries the legacy
 * session once the caller has sent `initialize` on the messages endpoint. Backpressure is the
 * listener's (edge-response.ts): a caller that stops reading has its response destroyed, which ends
 * this connection like any close.
 */
export class SseConnection {
  /** The `sessionId` of the messages endpoint: unguessable, and distinct from the legacy session's id. */
  readonly id = randomUUID();
  session: LegacySession | undefined;
  #ended = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly onEnd: (connection: SseConnection, reason: SseEndReason) => void,
  ) {
    res.on('close', () => this.#finish(dropReason(res) ? 'dropped' : 'closed'));
  }

  /** Opens the stream and announces where to POST (spec 2024-11-05: the first event is `endpoint`). */
  open(endpointUrl: string): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    this.res.write(`event: endpoint\ndata: ${endpointUrl}\n\n`);
  }

  /** Sends one message; false when the stream is gone (closed, or dropped for not reading). */
  write = (message: JsonRpcMessage): boolean => {
    if (this.#ended || this.res.destroyed) return false;
    return this.res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`) || !this.res.destroyed;
  };

  /** An SSE comment: keeps proxies from timing the idle stream out. */
  keepAlive(): void {
    if (!this.#ended && !this.res.destroyed) this.res.write(': keep-alive\n\n');
  }

  /** Ends the stream (the session ended, or it never began). */
  end(reason: 'session-ended' | 'never-initialized'): void {
    if (this.#ended) return;
    this.#finish(reason);
    this.res.end();
  }

  get ended(): boolean {
    return this.#ended;
  }

  #finish(reason: SseEndReason): void {
    if (this.#ended) return;
    this.#ended = true;
    this.onEnd(this, reason);
  }
}
