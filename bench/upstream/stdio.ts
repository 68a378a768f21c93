#!/usr/bin/env node
// Bench upstream, stdio front end: newline-delimited JSON-RPC on stdin/stdout, same logic as the HTTP one.
// Usage: node dist/bench/upstream/stdio.js   (exits when stdin ends)
import { error, handleRequest, isRequest, type IncomingMessage } from './handler.js';

let buffered = '';
const out: string[] = [];
let flushScheduled = false;

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffered += chunk;
  let nl = buffered.indexOf('\n');
  if (nl < 0) return;
  let start = 0;
  while (nl >= 0) {
    const line = buffered.slice(start, nl);
    start = nl + 1;
    if (line.trim() !== '') onLine(line);
    nl = buffered.indexOf('\n', start);
  }
  buffered = buffered.slice(start);
  scheduleFlush();
});
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

function onLine(line: string): void {
  let msg: IncomingMessage;
  try {
    msg = JSON.parse(line) as IncomingMessage;
  } catch {
    out.push(error(null, -32700, 'Parse error'));
    return;
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    out.push(error(null, -32600, 'Invalid Request'));
    return;
  }
  if (isRequest(msg)) out.push(handleRequest(msg));
}

// All answers produced by one stdin chunk go out in one write: fewer syscalls under concurrency.
function scheduleFlush(): void {
  if (flushScheduled || out.length === 0) return;
  flushScheduled = true;
  queueMicrotask(() => {
    flushScheduled = false;
    const text = out.join('\n') + '\n';
    out.length = 0;
    process.stdout.write(text);
  });
}
