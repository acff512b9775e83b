import { isIP } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';

/** A host name in both forms: ASCII (punycode) as DNS sees it, and Unicode as a reader sees it. */
export interface HostName {
  readonly ascii: string;
  readonly unicode: string;
}

const MAX_HOST_LENGTH = 253;

/**
 * Lower case, no trailing dot, IDNA-mapped (full-width letters fold, punycode decodes). Null for
 * what is not a domain name: IP literals, empty or over-long names, names IDNA refuses.
 */
export function hostName(raw: string): HostName | null {
  const trimmed = raw
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (trimmed === '' || trimmed.length > MAX_HOST_LENGTH * 4 || isIpLiteral(trimmed)) return null;
  const ascii = domainToASCII(trimmed.toLowerCase());
  if (ascii === '' || ascii.length > MAX_HOST_LENGTH || !ascii.includes('.')) return null;
  if (!/^[a-z0-9.-]+$/.test(ascii) || ascii.split('.').some((l) => l === '' || l.length > 63)) return null;
  return { ascii, unicode: domainToUnicode(ascii) };
}

/**
 * An address written as a host: dotted IPv4, IPv6, and the forms browsers also accept for IPv4
 * (one decimal or hex number, "http://3232235777/", or dotted parts in hex or octal).
 */
export function isIpLiteral(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (isIP(h) !== 0) return true;
  const parts = h.split('.');
  if (parts.length > 4 || parts.some((p) => p === '')) return false;
  return parts.every((p) => /^(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$/i.test(p));
}

/** The domain of an address ("a@b.example" → "b.example"), lower case, or null. */
export function addressDomain(address: string | undefined | null): string | null {
  if (address === undefined || address === null) return null;
  const at = address.lastIndexOf('@');
  if (at < 1 || at === address.length - 1) return null;
  return address
    .slice(at + 1)
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
}
