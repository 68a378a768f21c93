import { BlockList, isIP } from 'node:net';

/** Allow and deny lists of addresses and CIDR ranges (IPv4 and IPv6). */
export interface IpFilterOptions {
  /** When non-empty, only these may connect. */
  readonly allow: readonly string[];
  /** Never these (checked first). */
  readonly deny: readonly string[];
}

/** Adds `1.2.3.4`, `10.0.0.0/8` or `fd00::/8` to a BlockList. */
function add(list: BlockList, entry: string): void {
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  if (slash < 0) list.addAddress(address, family);
  else list.addSubnet(address, Number(entry.slice(slash + 1)), family);
}

/**
 * A connection-level address check with node:net's BlockList (no hand-written IP parsing). IPv4-mapped
 * IPv6 addresses (`::ffff:10.1.2.3`, how a dual-stack listener reports IPv4 peers) are checked as IPv4.
 * Returns undefined when both lists are empty (nothing to check).
 */
export function createIpFilter(options: IpFilterOptions): ((address: string | undefined) => boolean) | undefined {
  if (options.allow.length === 0 && options.deny.length === 0) return undefined;
  const allow = new BlockList();
  const deny = new BlockList();
  for (const e of options.allow) add(allow, e);
  for (const e of options.deny) add(deny, e);
  const hasAllow = options.allow.length > 0;
  return (raw) => {
    if (raw === undefined) return false;
    const mapped = raw.startsWith('::ffff:') && raw.includes('.') ? raw.slice(7) : raw;
    const family = isIP(mapped) === 6 ? 'ipv6' : 'ipv4';
    if (deny.check(mapped, family)) return false;
    return !hasAllow || allow.check(mapped, family);
  };
}
