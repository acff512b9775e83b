import { isIPv4, isIPv6 } from 'node:net';

function ipv4ToBigInt(ip: string): bigint {
  return ip.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6ToBigInt(ip: string): bigint {
  let text = ip.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToBigInt(v4[1]!);
    text = text.slice(0, v4.index) + ((n >> 16n) & 0xffffn).toString(16) + ':' + (n & 0xffffn).toString(16);
  }
  const [head = '', tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

/** A matcher for `ip|cidr: net`; null when `net` is not a valid IPv4 or IPv6 CIDR. */
export function cidrMatcher(cidr: string): ((ip: string) => boolean) | null {
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(cidr.trim());
  if (!m) return null;
  const addr = m[1]!;
  const v4 = isIPv4(addr);
  if (!v4 && !isIPv6(addr)) return null;
  const bits = v4 ? 32 : 128;
  const prefix = m[2] === undefined ? bits : Number(m[2]);
  if (prefix > bits) return null;
  const toInt = v4 ? ipv4ToBigInt : ipv6ToBigInt;
  const shift = BigInt(bits - prefix);
  const network = toInt(addr) >> shift;
  return (ip: string) => {
    const text = ip.trim();
    if (v4 ? !isIPv4(text) : !isIPv6(text.split('%')[0]!)) return false;
    return toInt(text) >> shift === network;
  };
}
