// An OTLP/HTTP trace receiver that accepts and drops every export, in the harness process: the traced
// variant pays the real cost of building, batching and sending spans, and the sink's CPU is not counted
// as the gateway's.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

let sink: Promise<string> | undefined;
let spansBytes = 0;

/** The sink's traces URL (started on first use, unref'd so it never keeps the harness alive). */
export function traceSink(): Promise<string> {
  sink ??= new Promise((resolve, reject) => {
    const server: Server = createServer((req, res) => {
      req.on('data', (c: Buffer) => (spansBytes += c.length));
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.unref();
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`);
    });
  });
  return sink;
}

/** Bytes of span exports received so far (a traced run that exported nothing is suspicious). */
export function traceSinkBytes(): number {
  return spansBytes;
}
