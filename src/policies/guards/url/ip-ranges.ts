import { BlockList, isIPv4, isIPv6 } from 'node:net';

// Addresses a URL argument may not reach unless allowed: loopback, private, link-local (cloud metadata at
// 169.254.169.254 and fd00:ec2::254), CGNAT, multicast, and the reserved/documentation blocks. IPv6 forms
// that carry an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) are checked as that IPv4 address too.

type Range = readonly [rule: string, cidr: string];

const V4: readonly Range[] = [
  ['url.metadata', '169.254.169.254/32'],
  ['url.metadata', '100.100.100.200/32'],
  ['url.loopback', '127.0.0.0/8'],
  ['url.unspecified', '0.0.0.0/8'],
  ['url.private-address', '10.0.0.0/8'],
  ['url.private-address', '172.16.0.0/12'],
  ['url.private-address', '192.168.0.0/16'],
  ['url.link-local', '169.254.0.0/16'],
  ['url.cgnat', '100.64.0.0/10'],
  ['url.multicast', '224.0.0.0/4'],
  ['url.reserved', '192.0.0.0/24'],
  ['url.reserved', '192.0.2.0/24'],
  ['url.reserved', '192.88.99.0/24'],
  ['url.reserved', '198.18.0.0/15'],
  ['url.reserved', '198.51.100.0/24'],
  ['url.reserved', '203.0.113.0/24'],
  ['url.reserved', '240.0.0.0/4'],
];

const V6: readonly Range[] = [
  ['url.metadata', 'fd00:ec2::254/128'],
  ['url.loopback', '::1/128'],
  ['url.unspecified', '::/128'],
  ['url.private-address', 'fc00::/7'],
  ['url.link-local', 'fe80::/10'],
  ['url.private-address', 'fec0::/10'],
  ['url.multicast', 'ff00::/8'],
  ['url.reserved', '100::/64'],
  ['url.reserved', '2001:db8::/32'],
];

function blockLists(ranges: readonly Range[], family: 'ipv4' | 'ipv6'): [string, BlockList][] {
  const byRule = new Map<string, BlockList>();
  for (const [rule, cidr] of ranges) {
    const [address, prefix] = cidr.split('/');
    let list = byRule.get(rule);
    if (!list) byRule.set(rule, (list = new BlockList()));
    list.addSubnet(address!, Number(prefix), family);
  }
  return [...byRule];
}

const V4_LISTS = blockLists(V4, 'ipv4');
const V6_LISTS = blockLists(V6, 'ipv6');

/** The 16 bytes of an IPv6 address (any textual form, optionally with a dotted IPv4 tail). */
export function ipv6Bytes(address: string): number[] {
  let text = address.split('%')[0]!;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -tail[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const r = rest ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...Array<string>(8 - h.length - r.length).fill('0'), ...r];
  return groups.flatMap((g) => {
    const n = parseInt(g || '0', 16);
    return [n >> 8, n & 0xff];
  });
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo), if any. */
export function embeddedIpv4(address: string): string | undefined {
  const b = ipv6Bytes(address);
  const v4 = (o: number, xor = 0): string => [0, 1, 2, 3].map((i) => (b[o + i]! ^ xor).toString()).join('.');
  const zero = (from: number, to: number): boolean => b.slice(from, to).every((x) => x === 0);
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(12); // ::ffff:a.b.c.d
  if (zero(0, 12) && !zero(12, 16)) return v4(12); // ::a.b.c.d (deprecated compatible)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12)) return v4(12); // 64:ff9b::/96
  if (b[0] === 0x20 && b[1] === 0x02) return v4(2); // 2002::/16 6to4
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0) return v4(12, 0xff); // Teredo client (obfuscated)
  return undefined;
}

/** The rule an address breaks, or undefined when it is a public unicast address. */
export function addressRule(address: string): string | undefined {
  if (isIPv4(address)) return V4_LISTS.find(([, list]) => list.check(address, 'ipv4'))?.[0];
  if (!isIPv6(address)) return 'url.invalid-address';
  const inner = embeddedIpv4(address);
  if (inner) {
    const rule = addressRule(inner);
    if (rule) return rule;
  }
  return V6_LISTS.find(([, list]) => list.check(address.split('%')[0]!, 'ipv6'))?.[0];
}

/** A matcher for allowed CIDRs (or single addresses) from config. */
export function cidrMatcher(cidrs: readonly string[]): (address: string) => boolean {
  if (cidrs.length === 0) return () => false;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, prefix] = cidr.split('/');
    const family = isIPv6(address!) ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address!, family);
    else list.addSubnet(address!, Number(prefix), family);
  }
  return (address) => list.check(address, isIPv6(address) ? 'ipv6' : 'ipv4');
}
