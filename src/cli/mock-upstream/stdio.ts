// stdio transport: newline-delimited JSON-RPC on stdin/stdout; one peer for the life of the process.
import type { Readable, Writable } from 'node:stream';
import { isNotification, isRequest } from '../../protocol/index.js';
import type { MockEngine } from './engine.js';
import { errorFrame } from './frames.js';
import type { MockTransport, Outbound, PeerSession } from './types.js';

/**
 * Serves `engine` on the given streams (process stdin/stdout by default) until the input ends; `beforeWrite`
 * runs before each write (the stats file is settled there, so it never lags an answer).
 */
export function serveStdio(
  engine: MockEngine,
  beforeWrite: () => void,
  input: Readable = process.stdin,
  output: Writable = process.stdout,
): MockTransport {
  const peer: PeerSession = { running: new Map() };
  const pending: string[] = [];
  let flushQueued = false;
  let closed = false;

  // Every frame produced in one turn of the event loop goes out in one write: fewer syscalls under load.
  const flush = (): void => {
    flushQueued = false;
    if (pending.length === 0 || closed) return;
    const text = pending.join('\n') + '\n';
    pending.length = 0;
    beforeWrite();
    output.write(text);
  };
  const write = (frame: string): void => {
    if (closed) return;
    pending.push(frame);
    if (flushQueued) return;
    flushQueued = true;
    queueMicrotask(flush);
  };
  const out: Outbound = { interim: write, final: write, abandon: () => {} };
  // Unsolicited notifications wait until the client has spoken: none may precede the handshake.
  let greeted = false;
  const broadcast = (frame: string): void => {
    if (greeted) write(frame);
  };

  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  const close = (): void => {
    if (closed) return;
    closed = true;
    for (const c of peer.running.values()) c.abort('shutdown');
    input.off('data', onData);
    input.destroy(); // release the handle so the process can exit on its own
    resolveDone(0);
  };

  let buffered = '';
  const onData = (chunk: string): void => {
    buffered += chunk;
    let start = 0;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n', start)) {
      const line = buffered.slice(start, nl);
      start = nl + 1;
      if (line.trim() !== '') onLine(line);
    }
    buffered = buffered.slice(start);
  };
  const onLine = (line: string): void => {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      return write(errorFrame(null, -32700, 'Parse error'));
    }
    if (isRequest(msg)) {
      greeted = true;
      return engine.request(msg, peer, out);
    }
    if (isNotification(msg)) return engine.notification(msg, peer);
    // Responses from the client (we never ask it anything) are ignored; anything else is invalid.
    if (typeof msg === 'object' && msg !== null && !Array.isArray(msg) && ('result' in msg || 'error' in msg)) return;
    const id = (msg as { id?: unknown } | null)?.id;
    write(errorFrame(typeof id === 'string' || typeof id === 'number' ? id : null, -32600, 'Invalid Request'));
  };

  if ('setEncoding' in input) input.setEncoding('utf8');
  input.on('data', onData);
  input.on('end', close);
  input.on('error', close);
  // EPIPE: the client went away; there is no one left to answer.
  output.on('error', close);
  return { broadcast, flush, done, close };
}
