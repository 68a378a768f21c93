import { systemRandom, type Clock, type Random } from '../core/index.js';
import { Connection } from './connection.js';
import { openHttpLink, openSseLink, openStdioLink, type LinkOpener } from './links.js';
import type { UpstreamLogger, UpstreamSpec } from './spec.js';
import type { UpstreamConnection } from './types.js';

const OPENERS: Record<UpstreamSpec['kind'], LinkOpener> = {
  stdio: openStdioLink,
  'streamable-http': openHttpLink,
  sse: openSseLink,
};

/** Builds the connection for one upstream replica (not started: call `start()`). */
export function createUpstreamConnection(
  spec: UpstreamSpec,
  deps: { clock: Clock; log: UpstreamLogger; random?: Random },
): UpstreamConnection {
  return new Connection(spec, { clock: deps.clock, log: deps.log, random: deps.random ?? systemRandom }, OPENERS[spec.kind]);
}
