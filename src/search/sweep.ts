import { isIP } from 'node:net';
import { hashColumnsFor } from '../query/index.js';
import type { Store } from '../store/index.js';
import { rangeParams, SearchRequestError, TENANT_RANGE, type TimeRange } from './request.js';

export type IocType = 'hash' | 'ip' | 'domain' | 'file';
export const IOC_TYPES: readonly IocType[] = ['hash', 'ip', 'domain', 'file'];
export const MAX_IOCS = 10_000;

export interface Ioc {
  readonly type: IocType;
  /** Normalized: lower-case, no trailing dot, no brackets. */
  readonly value: string;
}

export interface IocHostHit {
  readonly host: string;
  readonly events: number;
  readonly first: string;
  readonly last: string;
}

export interface IocResult extends Ioc {
  readonly events: number;
  readonly first: string | null;
  readonly last: string | null;
  readonly hosts: IocHostHit[];
}

export interface SweepResult {
  readonly iocs: IocResult[];
  /** Inputs that are not an IOC, with the reason. */
  readonly rejected: { input: string; reason: string }[];
}

const HASH = /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$/;
const HOST_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
/**
 * Extensions that make `name.ext` a file name rather than a domain. A few are also TLDs (`zip`,
 * `sh`, `py`, `so`): a name ending so is taken as a file; `domain:` says otherwise.
 */
const FILE_EXTENSIONS = new Set(
  'exe dll sys scr cpl ocx drv bat cmd ps1 psm1 vbs vbe js jse wsf wsh hta lnk msi msp jar py sh elf so bin dat tmp doc docx docm xls xlsx xlsm ppt pptx pptm pdf rtf iso img vhd vhdx zip rar 7z gz tar cab one txt log ini'.split(
    ' ',
  ),
);

/** `hxxp://evil[.]com/x` and `evil[.]com` are how IOCs are shared; take them as written. */
function refang(s: string): string {
  return s
    .replace(/\[\.\]|\(\.\)|\{\.\}/g, '.')
    .replace(/^hxxp/i, 'http')
    .replace(/\[:\]/g, ':');
}

function asDomain(s: string): string | null {
  let host = s;
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(host)) {
    try {
      host = new URL(host).hostname;
    } catch {
      return null;
    }
  }
  host = host.replace(/\.$/, '');
  const labels = host.split('.');
  if (labels.length < 2 || host.length > 253) return null;
  return labels.every((l) => HOST_LABEL.test(l)) && !/^\d+$/.test(labels.at(-1)!) ? host : null;
}

/**
 * What an IOC is, from its text, or from an explicit `type:` prefix (`file:evil.com` when a file
 * is named like a domain). Throws with the reason when it is none of them.
 */
export function classifyIoc(input: string): Ioc {
  const text = refang(input.trim());
  const typed = /^(hash|ip|domain|file|url):(?!\/\/)(.+)$/i.exec(text);
  const want = typed ? (typed[1]!.toLowerCase() as IocType | 'url') : null;
  const body = (typed ? typed[2]! : text).trim();
  const lower = body.toLowerCase();
  if (body === '') throw new SearchRequestError('empty IOC');
  if (body.length > 2048) throw new SearchRequestError('IOC longer than 2048 characters');
  if (want === 'file') {
    if (/[\\/]/.test(body)) throw new SearchRequestError('a file IOC is a name, without a folder');
    return { type: 'file', value: lower };
  }
  if ((want === null || want === 'hash') && HASH.test(lower)) return { type: 'hash', value: lower };
  if (want === 'hash') throw new SearchRequestError('not an MD5, SHA-1 or SHA-256 hash in hex');
  const ip = body.replace(/^\[(.*)\]$/, '$1');
  if ((want === null || want === 'ip') && isIP(ip) !== 0) return { type: 'ip', value: ip.toLowerCase() };
  if (want === 'ip') throw new SearchRequestError('not an IPv4 or IPv6 address');
  const ext = /\.([a-z0-9]{1,5})$/.exec(lower)?.[1];
  if (want === null && ext !== undefined && FILE_EXTENSIONS.has(ext) && !/[\\/]/.test(lower))
    return { type: 'file', value: lower };
  const domain = asDomain(lower);
  if (domain !== null) return { type: 'domain', value: domain };
  throw new SearchRequestError('not a hash, IP address, domain, URL or file name');
}

/** Lower-case base name of a Windows or POSIX path column. */
const baseName = (col: string) => `lower(arrayElement(splitByRegexp('[\\\\\\\\/]', ${col}), -1))`;

/**
 * The lookups of a sweep: for each IOC type, one branch per column, each a single-column `IN`, so
 * that every branch can use its own bloom filter (an OR across columns defeats them).
 */
function branches(
  type: IocType,
  values: readonly string[],
): { sql: string; params: Record<string, unknown> }[] {
  const one = (column: string, vs: readonly string[], name: string) => ({
    sql: `SELECT ${column} AS ioc, host, ts, event_id FROM events WHERE ${TENANT_RANGE} AND ${column} IN {${name}:Array(String)}`,
    params: { [name]: vs },
  });
  switch (type) {
    case 'hash': {
      // Each value only in the columns its length fits, as the hash: search field does.
      const byColumn = new Map<string, string[]>();
      for (const v of values)
        for (const c of hashColumnsFor(v)) {
          const list = byColumn.get(c);
          if (list) list.push(v);
          else byColumn.set(c, [v]);
        }
      return [...byColumn].map(([column, vs], i) => one(column, vs, `h${i}`));
    }
    case 'ip':
      return [one('source_ip', values, 'v'), one('destination_ip', values, 'v')];
    case 'domain':
      // Subdomains and URL hosts need suffix tests: one pass over the events that have either.
      return [
        {
          sql: `SELECT ioc, host, ts, event_id FROM events ARRAY JOIN arrayFilter(d -> arrayExists(h -> h = d OR endsWith(h, concat('.', d)), [domain, lower(domain(url))]), {v:Array(String)}) AS ioc WHERE ${TENANT_RANGE} AND (notEmpty(domain) OR notEmpty(url))`,
          params: { v: values },
        },
      ];
    case 'file':
      return ['process_executable', 'parent_executable', 'file_path'].map((c) => ({
        sql: `SELECT ${baseName(c)} AS ioc, host, ts, event_id FROM events WHERE ${TENANT_RANGE} AND ${baseName(c)} IN {v:Array(String)}`,
        params: { v: values },
      }));
  }
}

const MAX_HOSTS_PER_IOC = 1000;

/**
 * An IOC sweep: which hosts saw each hash, IP, domain or file name in a time range, and when. One
 * query per IOC type, whatever the number of IOCs, so a sweep of thousands stays one scan each.
 */
export async function sweepIocs(
  store: Store,
  tenant: string,
  inputs: readonly string[],
  range: TimeRange,
): Promise<SweepResult> {
  if (inputs.length > MAX_IOCS) throw new SearchRequestError(`at most ${MAX_IOCS} IOCs per sweep`);
  const rejected: { input: string; reason: string }[] = [];
  const byType = new Map<IocType, Set<string>>(IOC_TYPES.map((t) => [t, new Set<string>()]));
  for (const input of inputs) {
    if (input.trim() === '') continue;
    try {
      const ioc = classifyIoc(input);
      byType.get(ioc.type)!.add(ioc.value);
    } catch (e) {
      if (!(e instanceof SearchRequestError)) throw e;
      rejected.push({ input: input.slice(0, 200), reason: e.message });
    }
  }
  const results: IocResult[] = [];
  await Promise.all(
    IOC_TYPES.map(async (type) => {
      const values = [...byType.get(type)!];
      if (values.length === 0) return;
      const parts = branches(type, values);
      // An event counts once per IOC, even when two of its columns hold it.
      const rows = await store.query<{ ioc: string; host: string; n: string; first: string; last: string }>(
        `SELECT ioc, host, uniqExact(event_id) AS n, toString(min(ts)) AS first, toString(max(ts)) AS last
         FROM (${parts.map((p) => p.sql).join(' UNION ALL ')})
         GROUP BY ioc, host ORDER BY ioc, n DESC, host`,
        Object.assign({ ...rangeParams(tenant, range) }, ...parts.map((p) => p.params)),
      );
      const hits = new Map<string, IocHostHit[]>();
      for (const r of rows) {
        const list = hits.get(r.ioc) ?? [];
        list.push({ host: r.host, events: Number(r.n), first: r.first, last: r.last });
        hits.set(r.ioc, list);
      }
      for (const value of values) {
        const hosts = hits.get(value) ?? [];
        results.push({
          type,
          value,
          events: hosts.reduce((n, h) => n + h.events, 0),
          first: hosts.length ? hosts.map((h) => h.first).reduce((a, b) => (a < b ? a : b)) : null,
          last: hosts.length ? hosts.map((h) => h.last).reduce((a, b) => (a > b ? a : b)) : null,
          hosts: hosts.slice(0, MAX_HOSTS_PER_IOC),
        });
      }
    }),
  );
  const order = new Map(IOC_TYPES.map((t, i) => [t, i]));
  results.sort(
    (a, b) => b.events - a.events || order.get(a.type)! - order.get(b.type)! || (a.value < b.value ? -1 : 1),
  );
  return { iocs: results, rejected };
}
