import { createServer } from 'node:net';
import { CliError } from './command.js';

/**
 * Fails with a one-line fix when host:port cannot be listened on, before any upstream is started (so a
 * busy port is not preceded by upstreams starting and being stopped again). Port 0 always succeeds.
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  }).catch((err: NodeJS.ErrnoException) => {
    throw listenError(err, host, port);
  });
}

/** The CLI's wording of a listen failure (EADDRINUSE, EACCES, EADDRNOTAVAIL); other errors unchanged. */
export function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  if (err.code === 'EADDRINUSE')
    return new CliError(
      `port ${port} on ${host} is already in use: stop whatever listens there, or pick another port with --port N (0 = any free port)`,
    );
  if (err.code === 'EACCES')
    return new CliError(`not allowed to listen on ${host}:${port} (ports below 1024 need privileges): use --port with a port ≥ 1024`);
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
    return new CliError(`cannot listen on host ${host}: no such local address; use --host 127.0.0.1 (or 0.0.0.0 for every interface)`);
  return err;
}
