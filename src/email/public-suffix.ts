import { readFileSync } from 'node:fs';
import { domainToASCII } from 'node:url';

/**
 * Public suffixes ("com", "co.uk", "gouv.fr"): the part of a host name under which anyone may
 * register a name. The registrable domain is the suffix plus one label, and that label is what a
 * lookalike imitates. The full list is read at run time from Debian's `publicsuffix` package when
 * it is installed; otherwise a small built-in set of common multi-label suffixes is used, and every
 * other host falls back to its last label as the suffix.
 */
export const SYSTEM_PUBLIC_SUFFIX_LIST = '/usr/share/publicsuffix/public_suffix_list.dat';

/** Common suffixes of two or more labels, for machines without the list. */
const BUILT_IN = [
  'com net org edu gov mil int info biz name pro mobi app dev io ai co me tv cc ws eu asia xyz',
  'online site shop store tech cloud top club live email link click',
  'fr de uk us ca au nz jp cn tw hk sg my in id ph vn th kr za br mx ar cl pe es pt it nl be',
  'ch at pl cz sk hu ro bg gr tr ru ua by se no dk fi is ie lu li mc ee lv lt si hr rs ba me',
  'il sa ae qa eg ma tn ng ke',
  'co.uk org.uk ac.uk gov.uk me.uk ltd.uk plc.uk net.uk sch.uk nhs.uk police.uk',
  'com.au net.au org.au edu.au gov.au asn.au id.au co.nz org.nz govt.nz ac.nz net.nz',
  'co.jp ne.jp or.jp ac.jp go.jp ad.jp ed.jp gr.jp lg.jp co.kr or.kr go.kr ac.kr ne.kr',
  'com.cn net.cn org.cn gov.cn edu.cn ac.cn com.tw org.tw gov.tw edu.tw net.tw idv.tw',
  'com.hk org.hk gov.hk edu.hk net.hk com.sg gov.sg edu.sg org.sg com.my gov.my',
  'co.in net.in org.in gov.in ac.in co.id go.id ac.id or.id com.ph gov.ph com.vn gov.vn',
  'co.za org.za gov.za ac.za com.br net.br org.br gov.br com.mx gob.mx org.mx com.ar gob.ar',
  'com.tr gov.tr org.tr co.il org.il ac.il gov.il com.sa gov.sa com.eg gov.eg co.ke',
  'gouv.fr asso.fr nom.fr com.fr tm.fr gv.at co.at or.at com.pl org.pl gov.pl net.pl',
  'com.es org.es gob.es com.pt gov.pt com.ru org.ru com.ua gov.ua co.th go.th ac.th',
  'github.io gitlab.io blogspot.com herokuapp.com appspot.com azurewebsites.net cloudfront.net',
  'netlify.app vercel.app pages.dev workers.dev web.app firebaseapp.com',
].flatMap((line) => line.split(' '));

export interface HostParts {
  /** Labels left of the registrable domain, outermost first ("login", "paypal", "com" of login.paypal.com.evil.net). */
  readonly subdomains: readonly string[];
  /** The label just left of the suffix: "evil" of login.paypal.com.evil.net. */
  readonly label: string;
  /** The public suffix: "net", "co.uk". */
  readonly suffix: string;
  /** label + "." + suffix. */
  readonly registrable: string;
}

export class PublicSuffixList {
  private constructor(
    private readonly exact: ReadonlySet<string>,
    private readonly wildcards: ReadonlySet<string>,
    private readonly exceptions: ReadonlySet<string>,
    /** Where the rules came from: a file path or "built-in". */
    readonly origin: string,
  ) {}

  /** Rules in the list's text format: one per line, `//` comments, `*.x` wildcards, `!x` exceptions. */
  static parse(text: string, origin = '<text>'): PublicSuffixList {
    const exact = new Set<string>();
    const wildcards = new Set<string>();
    const exceptions = new Set<string>();
    for (const raw of text.split('\n')) {
      const rule = raw.trim().split(/\s/)[0]!.toLowerCase();
      if (rule === '' || rule.startsWith('//')) continue;
      const ascii = rule
        .split('.')
        .map((l) => toAsciiLabel(l))
        .join('.');
      if (ascii.startsWith('!')) exceptions.add(ascii.slice(1));
      else if (ascii.startsWith('*.')) wildcards.add(ascii.slice(2));
      else exact.add(ascii);
    }
    return new PublicSuffixList(exact, wildcards, exceptions, origin);
  }

  static builtIn(): PublicSuffixList {
    return PublicSuffixList.parse(BUILT_IN.join('\n'), 'built-in');
  }

  /** The system list when it can be read, else the built-in one. */
  static load(path = SYSTEM_PUBLIC_SUFFIX_LIST): PublicSuffixList {
    try {
      return PublicSuffixList.parse(readFileSync(path, 'utf8'), path);
    } catch {
      return PublicSuffixList.builtIn();
    }
  }

  /** How many labels of `labels` (ASCII, lower case) form the public suffix. */
  private suffixLength(labels: readonly string[]): number {
    let best = 1; // the implicit "*" rule: an unknown TLD is a suffix of its own
    for (let i = labels.length - 1; i >= 0; i--) {
      const candidate = labels.slice(i).join('.');
      const n = labels.length - i;
      if (this.exceptions.has(candidate)) return n - 1;
      if (this.exact.has(candidate) && n > best) best = n;
      if (i > 0 && this.wildcards.has(candidate) && n + 1 > best) {
        const withWildcard = labels.slice(i - 1).join('.');
        if (!this.exceptions.has(withWildcard)) best = n + 1;
      }
    }
    return best;
  }

  /**
   * Splits an ASCII (punycode) host name into subdomains, label and suffix; null when the host is
   * itself a suffix, has an empty label, or is not a name at all.
   */
  split(host: string): HostParts | null {
    const labels = host.toLowerCase().replace(/\.$/, '').split('.');
    if (labels.length < 2 || labels.some((l) => l === '')) return null;
    const n = this.suffixLength(labels);
    if (n >= labels.length) return null;
    const suffix = labels.slice(labels.length - n).join('.');
    const label = labels[labels.length - n - 1]!;
    return {
      subdomains: labels.slice(0, labels.length - n - 1),
      label,
      suffix,
      registrable: `${label}.${suffix}`,
    };
  }

  /** True when the host's last label is a suffix the list names (not just the implicit rule). */
  knownTld(host: string): boolean {
    const tld = host.toLowerCase().replace(/\.$/, '').split('.').pop() ?? '';
    return this.exact.has(tld) || this.wildcards.has(tld);
  }

  registrableDomain(host: string): string | null {
    return this.split(host)?.registrable ?? null;
  }
}

function toAsciiLabel(label: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(label)) return label;
  const prefix = label.startsWith('!') ? '!' : '';
  const ascii = domainToASCII(prefix === '' ? label : label.slice(1));
  return ascii === '' ? label : prefix + ascii;
}

let shared: PublicSuffixList | null = null;

/** The list every analyzer shares, loaded on first use. */
export function publicSuffixes(): PublicSuffixList {
  shared ??= PublicSuffixList.load();
  return shared;
}
