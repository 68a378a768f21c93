import { clip } from '../../core/index.js';

/** Which Host and Origin headers the endpoint accepts (DNS-rebinding protection). */
export interface OriginPolicy {
  /** True when the listener is on a loopback address: loopback hosts and origins are then implied. */
  readonly loopback: boolean;
  readonly allowedHosts: readonly string[];
  readonly allowedOrigins: readonly string[];
}

const LOOPBACK_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  const colon = hostHeader.lastIndexOf(':');
  return (colon === -1 ? hostHeader : hostHeader.slice(0, colon)).toLowerCase();
}

/**
 * Compiles the policy into a check returning the rejection reason, or undefined when allowed. A
 * missing Origin is allowed (non-browser clients send none); a present one must be allowed. The reason
 * quotes the refused value clipped: it is the caller's to choose, and goes to the log and the reply.
 */
export function createOriginGuard(policy: OriginPolicy): (host: string | undefined, origin: string | undefined) => string | undefined {
  const hosts = new Set(policy.allowedHosts.map((h) => h.toLowerCase()));
  const origins = new Set(policy.allowedOrigins.map((o) => o.toLowerCase().replace(/\/$/, '')));
  const checkHosts = policy.loopback || hosts.size > 0;
  return (host, origin) => {
    if (checkHosts) {
      if (!host) return 'Missing Host header';
      const lower = host.toLowerCase();
      const allowed = hosts.has(lower) || hosts.has(hostnameOf(lower)) || (policy.loopback && LOOPBACK_HOSTNAMES.has(hostnameOf(lower)));
      if (!allowed) return `Invalid Host: ${clip(host, 128)}`;
    }
    if (origin !== undefined) {
      const lower = origin.toLowerCase();
      if (origins.has(lower)) return undefined;
      if (policy.loopback) {
        try {
          const url = new URL(lower);
          if ((url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK_HOSTNAMES.has(url.hostname)) return undefined;
        } catch {
          return `Invalid Origin: ${clip(origin, 128)}`;
        }
      }
      return `Invalid Origin: ${clip(origin, 128)}`;
    }
    return undefined;
  };
}

/** True for addresses only this machine can reach. */
export function isLoopbackAddress(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
