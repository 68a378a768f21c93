// Shared by the HTTP edge tests: an in-process gateway with a capturing logger, raw sockets that a test
// drives byte by byte, and a stdio mock upstream.
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Gateway } from '../../src/app/index.js';
import { parseConfig, type BreakwaterConfigInput } from '../../src/config/index.js';
import type { Logger } from '../../src/core/index.js';
import { mockFiles, nodeArgs, waitFor } from '../helpers/mock-upstream.js';

export { waitFor };

/** One captured log line. */
export interface LogLine {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
  /** Size of the line as pino would write it (JSON of fields and message). */
  bytes: number;
}

/** A logger that keeps every line (warn and above, plus info and debug when asked). */
export function captureLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const make = (bindings: Record<string, unknown>): Logger => {
    const at =
      (level: string) =>
      (obj: object, msg = ''): void => {
        const fields = { ...bindings, ...(obj as Record<string, unknown>) };
        lines.push({ level, msg, fields, bytes: Buffer.byteLength(JSON.stringify({ ...fields, msg })) });
      };
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (more) => make({ ...bindings, ...more }),
      isLevelEnabled: () => false,
    };
  };
  return { log: make({}), lines };
}

/** A started in-process gateway. */
export interface EdgeGateway {
  gateway: Gateway;
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts a gateway on a random loopback port with `log`, and waits until it is ready. */
export async function startEdgeGateway(input: BreakwaterConfigInput, log: Logger): Promise<EdgeGateway> {
  const config = parseConfig({ ...input, server: { port: 0, ...input.server } }, '<edge>').config;
  const gateway = new Gateway({ config, log });
  await gateway.start();
  await waitFor(() => gateway.readiness().ready, 20_000, 'gateway ready');
  await gateway.aggregator.whenLoaded(20_000);
  const url = gateway.url;
  return { gateway, url, port: Number(new URL(url).port), stop: () => gateway.stop() };
}

/** A stdio mock upstream the gateway spawns: its config entry and its counters. */
export function mockUpstream(script: object) {
  const files = mockFiles(script);
  return { files, config: { command: process.execPath, args: nodeArgs(files.flags), policies: { healthCheck: { intervalMs: 0 } } } };
}

/** A raw TCP connection to the gateway: what it received, and when the server closed it. */
export interface RawConnection {
  socket: Socket;
  received(): string;
  /** Resolves with the ms from connect to close, once the connection is closed (by either side). */
  closed: Promise<number>;
  isClosed(): boolean;
}

/** Opens a raw connection; `paused` leaves the bytes the server sends unread (a caller that stopped reading). */
export async function rawConnection(port: number, paused = false): Promise<RawConnection> {
  const socket = connect(port, '127.0.0.1');
  const t0 = performance.now();
  let text = '';
  let closedAt: number | undefined;
  const closed = new Promise<number>((resolve) =>
    socket.once('close', () => {
      closedAt = performance.now() - t0;
      resolve(closedAt);
    }),
  );
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  if (paused) socket.pause();
  else socket.on('data', (chunk: Buffer) => void (text += chunk.toString('latin1')));
  return {
    socket,
    received: () => text,
    closed,
    isClosed: () => closedAt !== undefined,
  };
}

/** The bytes of an HTTP/1.1 POST to the MCP endpoint carrying `body`. */
export function rawPost(port: number, body: string, headers: Record<string, string> = {}): string {
  const all: Record<string, string> = {
    host: `127.0.0.1:${port}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
  };
  return `POST /mcp HTTP/1.1\r\n${Object.entries(all)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n${body}`;
}
