// A minimal in-process TCP fault proxy (Toxiproxy's toxics we need, research §5.2): `down` (listener closed →
// ECONNREFUSED), `up` (same port again), `resetPeers` (RST to the client side: reset after the request went
// through) and a fixed `latencyMs` on the way back.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class FaultProxy {
  #server: Server | undefined;
  #port = 0;
  readonly #pairs = new Set<{ client: Socket; upstream: Socket }>();
  /** Bytes passed client → upstream (a request went through once this grows). */
  bytesUp = 0;
  latencyMs = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  /** Listens on 127.0.0.1 (a random port the first time, the same port after `down`). */
  async up(): Promise<number> {
    const server = createServer((client) => this.#pipe(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    this.#port = (server.address() as { port: number }).port;
    return this.#port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}/mcp`;
  }

  /** Closes the listener and every connection: new connections are refused. */
  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const p of this.#pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  /** Resets every client-side connection (TCP RST), as a peer that crashed after reading the request. */
  resetPeers(): void {
    for (const p of this.#pairs) {
      p.client.resetAndDestroy();
      p.upstream.destroy();
    }
  }

  #pipe(client: Socket): void {
    const upstream = createConnection(this.target);
    const pair = { client, upstream };
    this.#pairs.add(pair);
    const end = (): void => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk) => {
      this.bytesUp += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (this.latencyMs > 0) setTimeout(() => client.writable && client.write(chunk), this.latencyMs);
      else client.write(chunk);
    });
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }
}
