import { anySignal, type Clock } from '../core/index.js';
import { GatewayError } from '../errors/index.js';
import { LATEST_LEGACY_VERSION, LEGACY_VERSIONS, META, MODERN_VERSION } from '../protocol/index.js';
import type { Channel } from './channel.js';
import { classifyProbe, modernEnvelope, type EraCache } from './era.js';
import type { JsonRpcPeer } from './json-rpc-peer.js';
import { CLIENT_INFO } from './spec.js';
import type { UpstreamInfo } from './types.js';
import { protocolError } from './upstream-errors.js';

/** What a handshake runs over. */
export interface HandshakeContext {
  readonly name: string;
  readonly peer: JsonRpcPeer;
  readonly channel: Channel;
  readonly capabilities: Record<string, unknown>;
  readonly signal: AbortSignal;
  readonly clock: Clock;
  /** Bound on the era probe alone (a silent stdio server is legacy). */
  readonly probeTimeoutMs: number;
}

/** A handshake's outcome: the server's facts, or "this link cannot tell: open a fresh one". */
export type HandshakeResult = { readonly info: UpstreamInfo } | { readonly retryFresh: true };

/**
 * Runs the era-appropriate handshake on a new link. With no cached verdict it probes with
 * `server/discover` first and caches the verdict. Legacy: `initialize` + `notifications/initialized`
 * on every new link (a new child or session knows nothing). Modern: stateless, so only the first link
 * asks `server/discover` for the server's facts; later links reuse `known`.
 */
export async function handshake(
  ctx: HandshakeContext,
  eras: EraCache,
  transport: 'stdio' | 'http',
  known: UpstreamInfo | undefined,
): Promise<HandshakeResult> {
  let discover: Record<string, unknown> | undefined;
  if (eras.era === undefined) {
    ctx.channel.setWire({ era: 'modern', protocolVersion: MODERN_VERSION });
    const probe = connectSignal(ctx.signal, ctx.clock, ctx.probeTimeoutMs, ctx.name);
    const meta = modernEnvelope(ctx.capabilities, CLIENT_INFO);
    const outcome = await ctx.peer
      .request('server/discover', undefined, { signal: probe.signal, meta }, { handshake: true })
      .then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      )
      .finally(probe.dispose);
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const verdict = classifyProbe(outcome, transport);
    eras.settle(verdict.era);
    // A legacy stdio server may exit on a pre-initialize request: initialize on a fresh child then.
    if (verdict.era === 'legacy' && ctx.peer.closed) return { retryFresh: true };
    if (verdict.era === 'modern') discover = verdict.discover;
  }
  if (eras.era === 'modern') {
    ctx.channel.setWire({ era: 'modern', protocolVersion: MODERN_VERSION });
    ctx.peer.baseMeta = modernEnvelope(ctx.capabilities, CLIENT_INFO);
    if (discover === undefined && known?.era === 'modern') return { info: known };
    discover ??= await ctx.peer.request('server/discover', undefined, { signal: ctx.signal }, { handshake: true });
    ctx.channel.handshakeDone();
    return { info: infoFromDiscover(discover, ctx.name) };
  }
  const info = await initializeLegacy(ctx);
  ctx.channel.handshakeDone();
  return { info };
}

/** The legacy handshake: `initialize` (any supported legacy version accepted) + `notifications/initialized`. */
export async function initializeLegacy(ctx: HandshakeContext): Promise<UpstreamInfo> {
  ctx.channel.setWire({ era: 'legacy', protocolVersion: undefined });
  const params = { protocolVersion: LATEST_LEGACY_VERSION, capabilities: ctx.capabilities, clientInfo: CLIENT_INFO };
  const result = await ctx.peer.request('initialize', params, { signal: ctx.signal }, { handshake: true });
  const version = result.protocolVersion;
  if (typeof version !== 'string' || !(LEGACY_VERSIONS as readonly string[]).includes(version)) {
    throw protocolError(ctx.name, `initialize returned unsupported protocol version ${String(version)}`, { protocolVersion: version });
  }
  ctx.channel.setWire({ era: 'legacy', protocolVersion: version });
  await ctx.peer.notify('notifications/initialized', undefined, { handshake: true });
  return {
    era: 'legacy',
    protocolVersion: version,
    serverInfo: asServerInfo(result.serverInfo, ctx.name),
    capabilities: asRecord(result.capabilities),
    instructions: typeof result.instructions === 'string' ? result.instructions : undefined,
  };
}

/** Upstream facts from a server/discover result (server identity is in the result's `_meta`). */
export function infoFromDiscover(result: Record<string, unknown>, name: string): UpstreamInfo {
  const meta = asRecord(result._meta);
  return {
    era: 'modern',
    protocolVersion: MODERN_VERSION,
    serverInfo: asServerInfo(meta[META.serverInfo], name),
    capabilities: asRecord(result.capabilities),
    instructions: typeof result.instructions === 'string' ? result.instructions : undefined,
  };
}

/** A signal bounded by the connect timeout; the reason names the limit. */
export function connectSignal(parent: AbortSignal, clock: Clock, ms: number, name: string): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const timer = clock.setTimeout(
    () =>
      controller.abort(
        new GatewayError('GW_TIMEOUT', `Upstream ${name}: handshake timed out after ${ms} ms`, {
          data: { limitMs: ms, scope: 'connect', upstream: name },
          upstreamFault: true,
        }),
      ),
    ms,
  );
  const linked = anySignal([parent, controller.signal]);
  return {
    signal: linked.signal,
    dispose: () => {
      clock.clearTimeout(timer);
      linked.dispose();
    },
  };
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function asServerInfo(v: unknown, fallbackName: string): UpstreamInfo['serverInfo'] {
  const r = asRecord(v);
  return { ...r, name: typeof r.name === 'string' ? r.name : fallbackName, version: typeof r.version === 'string' ? r.version : 'unknown' };
}
