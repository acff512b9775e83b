/**
 * IBANs in free text, validated by length per country and the ISO 13616 mod-97 check, so that a
 * reference number or a phone number is never taken for an account.
 */

// Country code → IBAN length, from the IBAN registry.
const LENGTHS: Readonly<Record<string, number>> = Object.fromEntries(
  (
    'AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 ' +
    'DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 IQ23 ' +
    'IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 ' +
    'MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 ' +
    'SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30'
  )
    .split(' ')
    .map((e) => [e.slice(0, 2), Number(e.slice(2))]),
);

export function ibanLength(country: string): number | undefined {
  return LENGTHS[country.toUpperCase()];
}

/** The mod-97 check on an IBAN without spaces: country and check digits moved to the end. */
export function ibanChecksumValid(iban: string): boolean {
  const s = iban.toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(s)) return false;
  const rearranged = s.slice(4) + s.slice(0, 4);
  let remainder = 0;
  for (const c of rearranged) {
    const v = c >= 'A' && c <= 'Z' ? c.charCodeAt(0) - 55 : c.charCodeAt(0) - 48;
    remainder = v >= 10 ? (remainder * 100 + v) % 97 : (remainder * 10 + v) % 97;
  }
  return remainder === 1;
}

/** A whole IBAN: known country, the right length, and a good check. */
export function isValidIban(iban: string): boolean {
  const s = iban.replace(/[\s-]/g, '').toUpperCase();
  const n = ibanLength(s.slice(0, 2));
  return n !== undefined && s.length === n && ibanChecksumValid(s);
}

export interface IbanScan {
  /** Valid IBANs, without spaces, upper case, each once. */
  readonly valid: string[];
  /** Strings shaped like an IBAN of a known country that fail the check: typos or forgeries. */
  readonly invalid: string[];
}

const START = /\b([A-Z]{2})(\d{2})/g;
const SEPARATORS = new Set([' ', '\u00a0', '-', '\u2009', '\u202f']);
const MAX_FOUND = 50;

/** IBANs written in text, grouped by fours or not ("FR76 3000 6000 0112 3456 7890 189"). */
export function findIbans(text: string): IbanScan {
  const upper = text.toUpperCase();
  const valid = new Set<string>();
  const invalid = new Set<string>();
  for (const m of upper.matchAll(START)) {
    if (valid.size + invalid.size >= MAX_FOUND) break;
    const length = LENGTHS[m[1]!];
    if (length === undefined) continue;
    let out = m[1]! + m[2]!;
    let i = m.index + 4;
    // Take exactly the country's length, allowing single separators between characters.
    while (out.length < length && i < upper.length) {
      const c = upper[i]!;
      if (/[A-Z0-9]/.test(c)) out += c;
      else if (!(SEPARATORS.has(c) && /[A-Z0-9]/.test(upper[i + 1] ?? ''))) break;
      i++;
    }
    if (out.length !== length) continue;
    // The account must end there: "FR76...1891234" is a longer number, not this IBAN.
    if (/[A-Z0-9]/.test(upper[i] ?? '')) continue;
    (ibanChecksumValid(out) ? valid : invalid).add(out);
  }
  return { valid: [...valid], invalid: [...invalid] };
}

/** "FR76 3000 …" for reasons: the country, the first and the last four characters. */
export function maskIban(iban: string): string {
  return iban.length <= 12 ? iban : `${iban.slice(0, 4)} … ${iban.slice(-4)}`;
}
