import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { VigilError } from '../core/errors.js';
import { skeleton } from './skeleton.js';

/** Someone whose name attackers borrow: an executive, a finance officer, a supplier's contact. */
export interface Person {
  readonly name: string;
  /** The addresses this person really writes from, lower case. */
  readonly addresses: readonly string[];
  readonly vip: boolean;
}

/** What the people file configures: people, and optionally the organization's and partners' domains. */
export interface PeopleFile {
  readonly people: Person[];
  readonly organization: string[];
  readonly partners: string[];
}

function strings(v: unknown, what: string, file: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new VigilError('email.config', `${what} must be a list of strings`, { file });
  return (v as string[]).map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * Reads a people file (YAML or JSON):
 *
 *     organization: [example.com]
 *     partners: [supplier.fr]
 *     people:
 *       - name: Jean Dupont
 *         addresses: [jean.dupont@example.com]
 *         vip: true
 *
 * A bare list of people is accepted too.
 */
export function parsePeople(text: string, file = '<people>'): PeopleFile {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new VigilError('email.config', `not YAML or JSON: ${(e as Error).message.split('\n')[0]}`, {
      file,
    });
  }
  const root = (Array.isArray(doc) ? { people: doc } : (doc ?? {})) as Record<string, unknown>;
  if (typeof root !== 'object')
    throw new VigilError('email.config', 'expected a map with people, organization and partners', { file });
  const list = root.people ?? [];
  if (!Array.isArray(list)) throw new VigilError('email.config', 'people must be a list', { file });
  const people = list.map((p: unknown, i: number): Person => {
    const rec = (p ?? {}) as Record<string, unknown>;
    if (typeof rec.name !== 'string' || rec.name.trim() === '')
      throw new VigilError('email.config', `people[${i}] needs a name`, { file });
    return {
      name: rec.name.trim(),
      addresses: strings(
        rec.addresses ?? (typeof rec.address === 'string' ? [rec.address] : []),
        `people[${i}].addresses`,
        file,
      ).map((a) => a.toLowerCase()),
      vip: rec.vip === true,
    };
  });
  return {
    people,
    organization: strings(root.organization, 'organization', file),
    partners: strings(root.partners, 'partners', file),
  };
}

export function loadPeople(path: string): PeopleFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new VigilError('email.config', `cannot read: ${(e as Error).message}`, { file: path });
  }
  return parsePeople(text, path);
}

/**
 * A name as a set of folded tokens: case, accents, punctuation, order and homoglyphs do not
 * matter ("DUPONT, Jean" = "Jean Dupont" = "Jеan Dupont" with a Cyrillic е).
 */
export function nameTokens(name: string): string[] {
  return name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0)
    .map((t) => skeleton(t));
}

/** People indexed by their name tokens, for display-name lookups. */
export class PeopleDirectory {
  private readonly byKey = new Map<string, Person[]>();

  constructor(readonly people: readonly Person[]) {
    for (const p of people) {
      const tokens = nameTokens(p.name);
      if (tokens.length === 0) continue;
      const key = [...tokens].sort().join(' ');
      this.byKey.set(key, [...(this.byKey.get(key) ?? []), p]);
    }
  }

  /**
   * The person a display name names: all of the person's name tokens, in any order, and nothing
   * else but titles or a company in brackets ("Jean Dupont (CEO)"). Single-word names must match
   * the whole display name.
   */
  match(displayName: string): Person | null {
    const tokens = nameTokens(displayName.replace(/[([{<][^)\]}>]*[)\]}>]/g, ' '));
    if (tokens.length === 0 || tokens.length > 8) return null;
    const exact = this.byKey.get([...tokens].sort().join(' '));
    if (exact !== undefined) return exact[0]!;
    return null;
  }
}
