import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import type { BlockListName } from './store.js';

/**
 * Checks and normalizes a value for a block list. What a firewall pulls must be exact: a stray
 * wildcard, a /0 network or a malformed hash in a feed can block far more than intended.
 */
export function normalizeBlockValue(
  list: BlockListName,
  raw: string,
): { ok: true; value: string } | { ok: false; error: string } {
  const v = raw.trim();
  const fail = (error: string) => ({ ok: false as const, error });
  if (v === '' || v.length > 320) return fail(`"${v.slice(0, 60)}" is not a ${list}`);
  switch (list) {
    case 'hash': {
      const h = v.toLowerCase();
      if (!/^[0-9a-f]+$/.test(h) || ![32, 40, 64, 128].includes(h.length))
        return fail(`"${v.slice(0, 60)}" is not an MD5, SHA-1, SHA-256 or SHA-512 hash in hex`);
      return { ok: true, value: h };
    }
    case 'domain': {
      // domainToASCII drops what follows a "/" or ":": check the characters first.
      if (!/^[\p{L}\p{M}\p{N}._-]+$/u.test(v)) return fail(`"${v.slice(0, 60)}" is not a domain name`);
      const d = domainToASCII(v.toLowerCase().replace(/\.$/, ''));
      const labels = d.split('.');
      if (
        d === '' ||
        d.length > 253 ||
        labels.length < 2 ||
        !labels.every((l) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(l)) ||
        /^\d+$/.test(labels[labels.length - 1]!)
      )
        return fail(`"${v.slice(0, 60)}" is not a domain name`);
      return { ok: true, value: d };
    }
    case 'ip': {
      const [addr = '', prefix, ...rest] = v.split('/');
      const family = isIP(addr);
      if (family === 0 || rest.length > 0) return fail(`"${v.slice(0, 60)}" is not an IP address or network`);
      if (prefix === undefined) return { ok: true, value: addr.toLowerCase() };
      const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
      // Refuse networks so wide that one entry blocks a large part of the internet.
      const [min, max] = family === 4 ? [16, 32] : [32, 128];
      if (bits < min || bits > max) return fail(`"${v}": a network prefix from /${min} to /${max}`);
      return { ok: true, value: `${addr.toLowerCase()}/${bits}` };
    }
    case 'sender': {
      const s = v.toLowerCase();
      const at = s.lastIndexOf('@');
      if (at < 1 || /[\s<>,;"]/.test(s)) return fail(`"${v.slice(0, 60)}" is not an email address`);
      const domain = normalizeBlockValue('domain', s.slice(at + 1));
      if (!domain.ok) return fail(`"${v.slice(0, 60)}" is not an email address`);
      return { ok: true, value: `${s.slice(0, at)}@${domain.value}` };
    }
  }
}

export function isBlockList(v: unknown): v is BlockListName {
  return v === 'hash' || v === 'domain' || v === 'ip' || v === 'sender';
}
