import { join } from 'node:path';
import { isMap, isScalar, isSeq } from 'yaml';
import { openMappingYaml } from '../../normalize/yaml-file.js';
import { defaultMappingsDir } from '../../normalize/mappings.js';

export interface VendorName {
  readonly vendor: string;
  /** The name as listed. */
  readonly display: string;
  /** Lower case, letters and digits only: what candidates are compared with. */
  readonly key: string;
  /** False for names matched only when spelled exactly. */
  readonly fuzzy: boolean;
}

export interface Vendor {
  readonly vendor: string;
  readonly names: readonly VendorName[];
  /** Lower-case install path fragments with backslashes. */
  readonly paths: readonly string[];
}

export interface VendorCatalog {
  readonly vendors: readonly Vendor[];
}

/** Names shorter than this, or with digits, are only matched exactly. */
export const MIN_FUZZY_LENGTH = 5;

export function nameKey(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

export interface VendorEntry {
  readonly vendor: string;
  readonly names?: readonly string[];
  readonly exact?: readonly string[];
  readonly paths?: readonly string[];
}

export function vendorCatalog(entries: readonly VendorEntry[]): VendorCatalog {
  return {
    vendors: entries.map((v) => {
      const names = [
        ...(v.names ?? []).map((display) => ({ display, fuzzy: true })),
        ...(v.exact ?? []).map((display) => ({ display, fuzzy: false })),
      ]
        .map(({ display, fuzzy }) => {
          const key = nameKey(display);
          const fuzzyOk = fuzzy && key.length >= MIN_FUZZY_LENGTH && !/\d/.test(key);
          return { vendor: v.vendor, display, key, fuzzy: fuzzyOk };
        })
        .filter((n) => n.key !== '');
      const paths = (v.paths ?? []).map((p) => p.replace(/\//g, '\\').toLowerCase()).filter((p) => p !== '');
      return { vendor: v.vendor, names, paths };
    }),
  };
}

/** Reads mappings/security-vendors.yml (see the file's header for the format). */
export function loadVendorCatalog(dir = defaultMappingsDir()): VendorCatalog {
  const file = join(dir, 'security-vendors.yml');
  const { root, fail } = openMappingYaml(file);
  const list = isMap(root) ? root.get('vendors', true) : undefined;
  if (!isSeq(list)) return fail('security-vendors.yml needs a `vendors` list', root);
  const strings = (node: unknown, what: string): string[] => {
    if (node === undefined) return [];
    if (!isSeq(node)) return fail(`${what} must be a list`, node);
    return node.items.map((i) => (isScalar(i) ? String(i.value) : fail(`${what} entries must be text`, i)));
  };
  const entries = list.items.map((item): VendorEntry => {
    if (!isMap(item)) return fail('each vendor must be a map', item);
    const vendor = item.get('vendor');
    if (typeof vendor !== 'string' || vendor === '') return fail('a vendor needs a `vendor` name', item);
    return {
      vendor,
      names: strings(item.get('names', true), '`names`'),
      exact: strings(item.get('exact', true), '`exact`'),
      paths: strings(item.get('paths', true), '`paths`'),
    };
  });
  return vendorCatalog(entries);
}
