import type { Clock, Random } from '../core/index.js';
import type { JsonRpcNotification } from '../protocol/index.js';
import type { Channel } from './channel.js';
import { buildChildEnv } from './child-env.js';
import { EraCache } from './era.js';
import { connectSignal, handshake, initializeLegacy, type HandshakeContext } from './handshake.js';
import { HttpChannel } from './http-channel.js';
import { JsonRpcPeer } from './json-rpc-peer.js';
import { sandboxedCommand } from './sandbox.js';
import { sharedBearerSource } from './oauth/shared-source.js';
import type { ResolvedRestart, UpstreamLogger, UpstreamSpec } from './spec.js';
import { SseChannel } from './sse-channel.js';
import { StdioChannel } from './stdio-channel.js';
import type { Link } from './supervisor.js';
import type { ServerRequestHandler, UpstreamInfo } from './types.js';
import { unavailable } from './upstream-errors.js';
import type { HttpEndpointOptions } from './http-common.js';

/** Everything a link opener needs from its connection. */
export interface LinkContext {
  readonly spec: UpstreamSpec;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: UpstreamLogger;
  readonly maxMessageBytes: number;
  readonly maxJsonDepth: number;
  readonly connectTimeoutMs: number;
  readonly killGraceMs: number;
  readonly maxConnections: number;
  readonly restart: ResolvedRestart;
  readonly capabilities: Record<string, unknown>;
  readonly eras: EraCache;
  /** The facts of the previous handshake (modern links reuse them). */
  known(): UpstreamInfo | undefined;
  /** A later handshake on the same link (HTTP session re-initialisation) learnt new facts. */
  learnt(info: UpstreamInfo): void;
  /** A legacy HTTP session was re-initialised on the same link (the new session has no subscriptions). */
  sessionRestored(): void;
  onNotification(message: JsonRpcNotification): void;
  fallback(): ServerRequestHandler | undefined;
}

/** Opens and handshakes one link of the connection's kind (the supervisor calls it on every (re)start). */
export type LinkOpener = (ctx: LinkContext, signal: AbortSignal) => Promise<Link>;

function newPeer(ctx: LinkContext, channel: Channel): JsonRpcPeer {
  return new JsonRpcPeer(channel, {
    name: ctx.spec.name,
    log: ctx.log,
    clock: ctx.clock,
    onNotification: (n) => ctx.onNotification(n),
    fallback: () => ctx.fallback(),
    ...(ctx.spec.roots !== undefined && { roots: ctx.spec.roots }),
  });
}

function hsContext(ctx: LinkContext, peer: JsonRpcPeer, channel: Channel, signal: AbortSignal): HandshakeContext {
  return {
    name: ctx.spec.name,
    peer,
    channel,
    capabilities: ctx.capabilities,
    signal,
    clock: ctx.clock,
    probeTimeoutMs: Math.ceil(ctx.connectTimeoutMs / 2),
  };
}

/** Runs `fn` under the connect timeout; the channel is closed if it fails. */
async function withConnectTimeout<T>(
  ctx: LinkContext,
  channel: Channel,
  signal: AbortSignal,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const bounded = connectSignal(signal, ctx.clock, ctx.connectTimeoutMs, ctx.spec.name);
  try {
    return await fn(bounded.signal);
  } catch (err) {
    await channel.close();
    throw err;
  } finally {
    bounded.dispose();
  }
}

/** stdio: spawn the child (its own process group), probe the era once, handshake. */
export const openStdioLink: LinkOpener = async (ctx, signal) => {
  const { spec } = ctx;
  if (spec.command === undefined) throw unavailable(spec.name, 'no command configured', false);
  const argv = spec.sandbox
    ? sandboxedCommand(spec.name, spec.sandbox, spec.command, spec.args ?? [], spec.cwd)
    : { command: spec.command, args: [...(spec.args ?? [])] };
  // A legacy server may exit on the era probe: then the handshake runs once more on a fresh child.
  for (let attempt = 0; attempt < 2; attempt++) {
    const channel = new StdioChannel({
      name: spec.name,
      command: argv.command,
      args: argv.args,
      env: buildChildEnv(spec.env),
      cwd: spec.cwd,
      maxMessageBytes: ctx.maxMessageBytes,
      maxJsonDepth: ctx.maxJsonDepth,
      killGraceMs: ctx.killGraceMs,
      log: ctx.log,
      clock: ctx.clock,
    });
    const peer = newPeer(ctx, channel);
    const result = await withConnectTimeout(ctx, channel, signal, (s) =>
      handshake(hsContext(ctx, peer, channel, s), ctx.eras, 'stdio', ctx.known()),
    );
    if ('info' in result) {
      const ended = channel.ended.then((e) => ({ reason: e.reason, code: e.code, signal: e.signal }));
      return { peer, info: result.info, closed: peer.whenClosed, ended, close: () => channel.close() };
    }
    await channel.close();
  }
  throw unavailable(spec.name, 'the server exited during the handshake', false);
};

/** What both HTTP channels need to reach their endpoint. */
function httpEndpoint(ctx: LinkContext, url: string): HttpEndpointOptions {
  const { spec } = ctx;
  return {
    name: spec.name,
    url: new URL(url),
    headers: spec.headers ?? {},
    maxMessageBytes: ctx.maxMessageBytes,
    maxJsonDepth: ctx.maxJsonDepth,
    maxConnections: ctx.maxConnections,
    log: ctx.log,
  };
}

/** Streamable HTTP: pooled client; re-initialises an expired session on the same link. */
export const openHttpLink: LinkOpener = async (ctx, signal) => {
  const { spec } = ctx;
  if (spec.url === undefined) throw unavailable(spec.name, 'no url configured', false);
  const credentials =
    spec.auth &&
    sharedBearerSource(spec.auth, { upstream: spec.name.replace(/#\d+$/, ''), clock: ctx.clock, random: ctx.random, log: ctx.log });
  const channel = new HttpChannel({
    ...httpEndpoint(ctx, spec.url),
    clock: ctx.clock,
    random: ctx.random,
    backoff: ctx.restart,
    ...(credentials && { credentials }),
  });
  const peer = newPeer(ctx, channel);
  channel.onSessionExpired = async () => {
    const bounded = connectSignal(signal, ctx.clock, ctx.connectTimeoutMs, spec.name);
    try {
      ctx.learnt(await initializeLegacy(hsContext(ctx, peer, channel, bounded.signal)));
      channel.handshakeDone();
      // Not awaited: its requests queue behind this very re-initialisation.
      ctx.sessionRestored();
    } finally {
      bounded.dispose();
    }
  };
  const result = await withConnectTimeout(ctx, channel, signal, (s) =>
    handshake(hsContext(ctx, peer, channel, s), ctx.eras, 'http', ctx.known()),
  );
  if (!('info' in result)) throw unavailable(spec.name, 'handshake failed', false);
  let release!: () => void;
  const ended = new Promise<void>((resolve) => (release = resolve));
  const close = async () => {
    await channel.close();
    release();
  };
  return {
    peer,
    info: result.info,
    closed: peer.whenClosed,
    ended: ended.then(() => ({ reason: 'closed', code: null, signal: null })),
    close,
    suspect: () => channel.sessionSuspect(),
  };
};

/** Legacy HTTP+SSE: open the stream, wait for the endpoint, initialise (always the legacy era). */
export const openSseLink: LinkOpener = async (ctx, signal) => {
  const { spec } = ctx;
  if (spec.url === undefined) throw unavailable(spec.name, 'no url configured', false);
  const channel = new SseChannel(httpEndpoint(ctx, spec.url));
  const peer = newPeer(ctx, channel);
  const info = await withConnectTimeout(ctx, channel, signal, async (s) => {
    await channel.connect(s);
    const result = await handshake(hsContext(ctx, peer, channel, s), new EraCache('legacy'), 'http', undefined);
    if (!('info' in result)) throw unavailable(spec.name, 'handshake failed', false);
    return result.info;
  });
  const ended = channel.ended.then((reason) => ({ reason, code: null, signal: null }));
  return { peer, info, closed: peer.whenClosed, ended, close: () => channel.close() };
};
