import { GatewayError, UpstreamRpcError } from '../errors/index.js';
import { META, MODERN_VERSION, type Era } from '../protocol/index.js';

/** The configured era of an upstream. */
export type EraSetting = 'auto' | 'legacy' | 'modern';

/** The era verdict after a probe; `discover` is the server/discover result when modern. */
export type EraVerdict = { readonly era: 'modern'; readonly discover: Record<string, unknown> } | { readonly era: 'legacy' };

/**
 * Classifies what the `server/discover` probe produced, as the spec's era negotiation says: a result
 * offering 2026-07-28 ⇒ modern; a JSON-RPC error (a legacy server answers -32601) or an HTTP 4xx other
 * than 401/403 ⇒ legacy. On stdio a silent server (timeout) or one that exits on a pre-initialize
 * request is legacy too; over HTTP those are failures to reach it and are rethrown.
 */
export function classifyProbe(outcome: { result: Record<string, unknown> } | { error: unknown }, transport: 'stdio' | 'http'): EraVerdict {
  if ('result' in outcome) {
    const versions = outcome.result.supportedVersions;
    return Array.isArray(versions) && versions.includes(MODERN_VERSION) ? { era: 'modern', discover: outcome.result } : { era: 'legacy' };
  }
  const err = outcome.error;
  if (err instanceof UpstreamRpcError) return { era: 'legacy' };
  if (err instanceof GatewayError) {
    const status = err.data?.status;
    if (typeof status === 'number' && status >= 400 && status < 500 && status !== 401 && status !== 403) return { era: 'legacy' };
    if (transport === 'stdio' && (err.code === 'GW_UPSTREAM_UNAVAILABLE' || err.code === 'GW_TIMEOUT')) return { era: 'legacy' };
  }
  throw err;
}

/**
 * True when a legacy handshake failure says the server does not speak the legacy era at all (it
 * answered `initialize` with an error, with a non-legacy version, or with an HTTP 4xx other than
 * 401/403): a modern-only server. Timeouts and unreachable servers say nothing about the era.
 */
export function refusesLegacy(err: unknown): boolean {
  if (err instanceof UpstreamRpcError) return true;
  if (!(err instanceof GatewayError) || err.code !== 'GW_UPSTREAM_PROTOCOL') return false;
  const status = err.data?.status;
  return status === undefined || (typeof status === 'number' && status >= 400 && status < 500 && status !== 401 && status !== 403);
}

/** The per-request `_meta` envelope of the modern era (version, capabilities, client identity). */
export function modernEnvelope(
  capabilities: Record<string, unknown>,
  clientInfo: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return Object.freeze({
    [META.protocolVersion]: MODERN_VERSION,
    [META.clientCapabilities]: capabilities,
    [META.clientInfo]: clientInfo,
  });
}

/** The cached era decision of one upstream: the configured setting until a probe settles it. */
export class EraCache {
  #era: Era | undefined;

  constructor(setting: EraSetting) {
    this.#era = setting === 'auto' ? undefined : setting;
  }

  /** The settled era, or undefined while it still needs probing. */
  get era(): Era | undefined {
    return this.#era;
  }

  /** Records the verdict (restarts and reconnects skip the probe from now on). */
  settle(era: Era): void {
    this.#era = era;
  }
}
