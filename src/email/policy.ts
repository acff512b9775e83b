import { wellKnownBrands } from './brands.js';
import { hostName } from './host.js';
import { LookalikeIndex, type ProtectedDomain } from './lookalike.js';
import { PeopleDirectory, type Person } from './people.js';
import { publicSuffixes, type PublicSuffixList } from './public-suffix.js';

export interface EmailPolicyOptions {
  /** The organization's own domains: protected, and "inside" for display-name checks. */
  readonly organization?: readonly string[];
  /** Partners' and suppliers' domains: protected from lookalikes. */
  readonly partners?: readonly string[];
  readonly people?: readonly Person[];
  /** Protect the built-in list of well-known brands and authorities (default true). */
  readonly brands?: boolean;
  /** authserv-ids whose Authentication-Results are believed (default: the topmost header only). */
  readonly trustedAuthServIds?: readonly string[];
  readonly suffixes?: PublicSuffixList;
}

/**
 * What the analyzer protects and whom it knows: built once (the lookalike index is the costly
 * part) and shared by every message.
 */
export class EmailPolicy {
  readonly suffixes: PublicSuffixList;
  readonly lookalikes: LookalikeIndex;
  readonly people: PeopleDirectory;
  readonly trustedAuthServIds: readonly string[];
  private readonly organization: ReadonlySet<string>;

  constructor(o: EmailPolicyOptions = {}) {
    this.suffixes = o.suffixes ?? publicSuffixes();
    const people = o.people ?? [];
    const own = [...(o.organization ?? [])];
    // The domains people write from are the organization's, unless they are partners'.
    const partners = new Set((o.partners ?? []).map((d) => this.registrable(d) ?? d));
    for (const p of people)
      for (const a of p.addresses) {
        const d = this.registrable(a.slice(a.lastIndexOf('@') + 1));
        if (d !== null && !partners.has(d)) own.push(d);
      }
    const domains: ProtectedDomain[] = [
      ...own.map((domain) => ({ domain, kind: 'organization' as const })),
      ...[...partners].map((domain) => ({ domain, kind: 'partner' as const })),
      ...(o.brands === false ? [] : wellKnownBrands()),
    ];
    this.lookalikes = new LookalikeIndex(domains, this.suffixes);
    this.organization = new Set(own.map((d) => this.registrable(d) ?? d.toLowerCase()));
    this.people = new PeopleDirectory(people);
    this.trustedAuthServIds = o.trustedAuthServIds ?? [];
  }

  /** The registrable domain of a host name, or null. */
  registrable(host: string): string | null {
    const name = hostName(host);
    return name === null ? null : this.suffixes.registrableDomain(name.ascii);
  }

  isOrganizationDomain(registrable: string): boolean {
    return this.organization.has(registrable);
  }

  /** True for the organization's, partners' and brands' own domains (and their subdomains). */
  isProtected(host: string): boolean {
    return this.lookalikes.owner(host) !== null;
  }
}
