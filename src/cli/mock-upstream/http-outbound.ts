// One POST's answer on Streamable HTTP: plain JSON, or an SSE stream as soon as anything precedes the answer.
import type { ServerResponse } from 'node:http';
import type { HttpHint, Outbound } from './types.js';

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };

/** Formats one SSE event carrying a JSON-RPC frame. */
export function sseEvent(frame: string): string {
  return `event: message\ndata: ${frame}\n\n`;
}

/** Opens an SSE response (status 200) with the session header, if any. */
export function openSse(res: ServerResponse, sessionId?: string): void {
  res.writeHead(200, sessionId === undefined ? SSE_HEADERS : { ...SSE_HEADERS, 'mcp-session-id': sessionId });
  res.flushHeaders();
}

/** Writes a complete JSON response. */
export function sendJson(res: ServerResponse, status: number, body: string, headers?: Record<string, string>): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}

/** The Outbound of one HTTP request. */
export class HttpOutbound implements Outbound {
  private streaming = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly sessionId: string | undefined,
    private readonly beforeWrite: () => void,
  ) {}

  interim(frame: string): void {
    if (this.res.writableEnded) return;
    this.beforeWrite();
    if (!this.streaming) this.startStream();
    this.res.write(sseEvent(frame));
  }

  final(frame: string, http?: HttpHint): void {
    if (this.res.writableEnded) return;
    this.beforeWrite();
    if (this.streaming) return void this.res.end(sseEvent(frame));
    const headers = this.sessionId === undefined ? http?.headers : { ...http?.headers, 'mcp-session-id': this.sessionId };
    sendJson(this.res, http?.status ?? 200, frame, headers);
  }

  abandon(): void {
    if (this.res.writableEnded) return;
    // A cancelled request gets no JSON-RPC answer: an empty event stream ends the HTTP exchange.
    if (!this.streaming) this.startStream();
    this.res.end();
  }

  private startStream(): void {
    this.streaming = true;
    openSse(this.res, this.sessionId);
  }
}
