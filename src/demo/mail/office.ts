import type { Person } from '../../email/index.js';
import { Rng } from '../prng.js';
import { World, type Account } from '../world.js';

/** A mailbox: a display name and an address. */
export interface Mailbox {
  readonly name: string;
  readonly address: string;
}

/** A supplier the organization pays: its domain, the contact who sends its invoices, its bank account. */
export interface Supplier {
  readonly company: string;
  readonly domain: string;
  readonly contact: Mailbox;
  /** The account its invoices name (a valid French IBAN). */
  readonly iban: string;
  /** Its outbound mail server's address (documentation ranges: never a host of the scenario). */
  readonly mailIp: string;
}

/** A sender of newsletters the organization subscribed to. */
export interface Newsletter {
  readonly name: string;
  readonly domain: string;
  readonly mailIp: string;
}

/** What `vigil email analyze --people` and `vigil serve`'s `email_people` read. */
export interface DemoMailPolicy {
  readonly organization: string[];
  readonly partners: string[];
  readonly people: Person[];
}

const SUPPLIERS: readonly (readonly [string, string])[] = [
  ['Ferronnerie Dumas', 'ferronnerie-dumas.fr'],
  ['Transports Lemoine', 'transports-lemoine.fr'],
  ['Imprimerie Vautrin', 'imprimerie-vautrin.fr'],
  ['Emballages Rocher', 'emballages-rocher.fr'],
  ['Clairval Propreté', 'clairval-proprete.fr'],
  ['Sarrazin Informatique', 'sarrazin-informatique.fr'],
  ['Bellamy Fournitures', 'bellamy-fournitures.fr'],
  ['Marchand Électricité', 'marchand-electricite.fr'],
];
const NEWSLETTERS: readonly (readonly [string, string])[] = [
  ['Salon Industrie Expo', 'infos.salon-industrie-expo.fr'],
  ['Bureau Direct Pro', 'news.bureau-direct-pro.fr'],
  ['Veille juridique PME', 'lettre.veille-juridique-pme.fr'],
  ['Achats & Logistique', 'newsletter.achats-logistique-mag.fr'],
];
const FIRST = [
  'Jean',
  'Sophie',
  'Olivier',
  'Nathalie',
  'Pierre',
  'Isabelle',
  'Laurent',
  'Céline',
  'Thierry',
  'Valérie',
];
const LAST = [
  'Dupont',
  'Girard',
  'Mercier',
  'Fontaine',
  'Chevalier',
  'Roussel',
  'Gauthier',
  'Perrin',
  'Morel',
  'Lambert',
];

/** A valid IBAN for a country and its BBAN: check digits by ISO 13616 (mod 97). */
export function ibanOf(country: string, bban: string): string {
  const digits = `${bban}${country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let mod = 0;
  for (const d of digits) mod = (mod * 10 + Number(d)) % 97;
  return `${country}${String(98 - mod).padStart(2, '0')}${bban}`;
}

/** A French IBAN: bank (5), branch (5), account (11) and RIB key (2) digits. */
export function frenchIban(r: Rng): string {
  let bban = '';
  for (let i = 0; i < 23; i++) bban += String(r.int(0, 9));
  return ibanOf('FR', bban);
}

/** `FR76 3000 6000 …`: how invoices print an IBAN. */
export const spacedIban = (iban: string) => iban.replace(/(.{4})/g, '$1 ').trim();

/**
 * The organization's mail: its domain, its accounts-payable mailbox and finance director, its
 * suppliers and the newsletters it reads. Derived from the seed alone, so that `vigil serve
 * --sample-data` knows the policy without generating the day. Stories reserve suppliers as they
 * reserve hosts; the background mail uses the others.
 */
export class MailOffice {
  readonly domain: string;
  readonly finance: Mailbox;
  readonly director: Mailbox;
  readonly suppliers: readonly Supplier[];
  readonly newsletters: readonly Newsletter[];
  readonly reservedSuppliers = new Set<Supplier>();

  constructor(readonly world: World) {
    const r = Rng.stream(world.seed, 'mail-office');
    this.domain = `${world.org}.fr`;
    this.finance = { name: 'Comptabilité fournisseurs', address: `comptabilite@${this.domain}` };
    const names = r.shuffle(FIRST.flatMap((f) => LAST.map((l) => [f, l] as const)));
    const person = () => names.pop()!;
    const [df, dl] = person();
    this.director = { name: `${df} ${dl}`, address: `${ascii(df)}.${ascii(dl)}@${this.domain}` };
    let host = 10;
    this.suppliers = r
      .shuffle(SUPPLIERS)
      .slice(0, 4)
      .map(([company, domain]) => {
        const [f, l] = person();
        return {
          company,
          domain,
          contact: { name: `${f} ${l}`, address: `${ascii(f)[0]}.${ascii(l)}@${domain}` },
          iban: frenchIban(r),
          mailIp: `198.51.100.${host++}`,
        };
      });
    this.newsletters = NEWSLETTERS.map(([name, domain]) => ({ name, domain, mailIp: `203.0.113.${host++}` }));
  }

  /** An employee's address, from the account name (alice.martin, amartin). */
  addressOf(account: Account): string {
    return `${account.name.toLowerCase()}@${this.domain}`;
  }

  /** Takes a supplier for a story; null when none is left. */
  reserveSupplier(r: Rng): Supplier | null {
    const free = this.suppliers.filter((s) => !this.reservedSuppliers.has(s));
    if (free.length === 0) return null;
    const s = r.pick(free);
    this.reservedSuppliers.add(s);
    return s;
  }

  /** The policy the organization's mail is judged with: its domain, its suppliers, who writes. */
  policy(): DemoMailPolicy {
    return {
      organization: [this.domain],
      partners: this.suppliers.map((s) => s.domain),
      people: [
        { name: this.director.name, addresses: [this.director.address], vip: true },
        ...this.suppliers.map((s) => ({ name: s.contact.name, addresses: [s.contact.address], vip: false })),
      ],
    };
  }
}

/** Lower case without accents, for addresses. */
function ascii(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/** The mail policy of a seed's organization (what `vigil serve --sample-data` judges its mail by). */
export function demoMailPolicy(seed: number, hosts = 24): DemoMailPolicy {
  return new MailOffice(new World(seed, hosts)).policy();
}
