/** The search that finds an entity's events: a click on any entity pivots there. */
const FIELD: Record<string, (v: string) => string> = {
  host: (v) => `host:${quote(v)}`,
  user: (v) => `user_name:${quote(v)}`,
  hash: (v) => `hash:${v}`,
  ip: (v) => `ip:${v}`,
  domain: (v) => `domain:${quote(v)}`,
  url: (v) => `url:${quote(v)}`,
  file: (v) => `process_executable:${quote(v)} OR file_path:${quote(v)}`,
  registry: (v) => `registry_key:${quote(v)}`,
  container: (v) => `container_id:${quote(v)}`,
  image: (v) => `container_image:${quote(v)}`,
  process: (v) => (v.includes('|') ? `process_pid:${v.split('|')[1]}` : `process_guid:${quote(v)}`),
};

function quote(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function pivotQuery(type: string, value: string): string {
  return (FIELD[type] ?? ((v: string) => quote(v)))(value);
}

export function searchHref(query: string, from?: number): string {
  const p = new URLSearchParams({ q: query });
  if (from !== undefined) p.set('from', new Date(from).toISOString());
  return `#/search?${p.toString()}`;
}
