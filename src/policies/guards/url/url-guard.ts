import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { GuardEntryConfig } from '../../../config/index.js';
import { globsMatcher } from '../glob.js';
import { ALLOW, deny, type Guard, type GuardVerdict } from '../guard.js';
import { addressRule, cidrMatcher } from './ip-ranges.js';

/** The `url` guard's settings (config defaults filled). */
export type UrlGuardConfig = Pick<
  Extract<GuardEntryConfig, { type: 'url' }>,
  'schemes' | 'hosts' | 'allowAddresses' | 'resolve' | 'resolveTimeoutMs' | 'maxLength'
>;

/** Resolves a host name to every address (injectable for tests). */
export type Resolver = (host: string, signal: AbortSignal) => Promise<string[]>;

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), as the tool's own HTTP client would use. */
export const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

// Names that are local by definition, refused without asking DNS (and whatever DNS says).
const LOCAL_NAMES = globsMatcher(['localhost', '*.localhost', '*.local', '*.internal', 'metadata', 'instance-data', 'instance-data.*']);

const rangeReason: Record<string, string> = {
  'url.metadata': 'a cloud metadata address',
  'url.loopback': 'a loopback address',
  'url.unspecified': 'the unspecified address',
  'url.private-address': 'a private address',
  'url.link-local': 'a link-local address',
  'url.cgnat': 'a carrier-grade NAT address',
  'url.multicast': 'a multicast address',
  'url.reserved': 'a reserved address',
  'url.invalid-address': 'not an IP address',
};

/**
 * The URL guard (SSRF): a WHATWG-parsed URL with an allowed scheme, no credentials and nothing a different
 * URL parser could read otherwise (backslashes, whitespace, control characters); host allow/deny globs;
 * and every address of the host (an IP literal in any form, decimal/octal/hex included, or what the name
 * resolves to) outside the loopback, private, link-local, CGNAT, multicast, metadata and reserved ranges
 * unless `allowAddresses` lists it. DNS is checked at call time: a rebinding name can still change after.
 */
export function createUrlGuard(config: UrlGuardConfig, resolver: Resolver = systemResolver): Guard {
  const schemes = new Set(config.schemes);
  const allowHost = config.hosts.allow ? globsMatcher(config.hosts.allow) : undefined;
  const denyHost = globsMatcher(config.hosts.deny);
  const allowed = cidrMatcher(config.allowAddresses);

  const checkAddress = (address: string): GuardVerdict => {
    if (allowed(address)) return ALLOW;
    const rule = addressRule(address);
    return rule ? deny(rule, `the host is ${rangeReason[rule] ?? 'not allowed'}`) : ALLOW;
  };

  /** Every address of a name, bounded by resolveTimeoutMs and the call's signal (listeners and timer cleared after). */
  async function resolveAll(host: string, signal: AbortSignal): Promise<string[] | GuardVerdict> {
    const controller = new AbortController();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new Error('timeout'));
      }, config.resolveTimeoutMs);
      onAbort = () => reject(new Error('aborted'));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const addresses = await Promise.race([resolver(host, controller.signal), stop]);
      return addresses.length > 0 ? addresses : deny('url.unresolvable', 'the host name does not resolve');
    } catch {
      return deny('url.unresolvable', timedOut ? 'the host name did not resolve in time' : 'the host name does not resolve');
    } finally {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
      controller.abort();
    }
  }

  return {
    kind: 'url',
    async check({ value, signal }) {
      if (typeof value !== 'string') return deny('url.not-a-string', 'expected a URL string');
      if (value.length > config.maxLength) return deny('url.too-long', `longer than ${config.maxLength} characters`);
      // eslint-disable-next-line no-control-regex
      if (/[\\\s\x00-\x1f\x7f]/.test(value))
        return deny('url.ambiguous', 'backslashes, whitespace and control characters are read differently by different URL parsers');
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return deny('url.invalid', 'not an absolute URL');
      }
      const scheme = url.protocol.slice(0, -1);
      if (!schemes.has(scheme)) return deny('url.scheme', `scheme ${scheme} is not in ${[...schemes].join(', ')}`);
      if (url.username !== '' || url.password !== '' || value.split('@').length > 2)
        return deny('url.credentials', 'credentials in URLs are not allowed');
      const host = url.hostname
        .replace(/^\[|\]$/g, '')
        .replace(/\.+$/, '')
        .toLowerCase();
      if (host === '') return deny('url.no-host', 'the URL has no host');
      if (denyHost(host)) return deny('url.host-denied', 'the host is on the deny list');
      if (allowHost && !allowHost(host)) return deny('url.host-not-allowed', 'the host is not on the allow list');
      if (isIP(host)) return checkAddress(host);
      if (!allowHost && LOCAL_NAMES(host)) return deny('url.local-name', 'the host name is local by definition');
      if (!config.resolve) return ALLOW;
      const addresses = await resolveAll(host, signal);
      if (!Array.isArray(addresses)) return addresses;
      for (const address of addresses) {
        const verdict = checkAddress(address);
        if (verdict.decision !== 'allow') return verdict;
      }
      return ALLOW;
    },
  };
}
