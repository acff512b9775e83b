import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second in /proc/<pid>/stat (USER_HZ on Linux). */
const TICK = 100;

/** A /proc stat file: the thread or process name, and its user and system CPU seconds. */
function readStat(path: string): { name: string; user: number; sys: number } {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    user: Number(fields[11]) / TICK,
    sys: Number(fields[12]) / TICK,
  };
}

/** A process's user and system CPU seconds so far, all threads (0 once it is gone). */
export function cpuOf(pid: number | undefined): { user: number; sys: number } {
  if (pid === undefined) return { user: 0, sys: 0 };
  try {
    const { user, sys } = readStat(`/proc/${pid}/stat`);
    return { user, sys };
  } catch {
    return { user: 0, sys: 0 };
  }
}

/** Each thread's name and CPU seconds so far (user + system), by thread id. */
export function threadsOf(pid: number): Map<string, { name: string; cpu: number }> {
  const out = new Map<string, { name: string; cpu: number }>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const { name, user, sys } = readStat(`/proc/${pid}/task/${tid}/stat`);
      out.set(tid, { name, cpu: user + sys });
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/** A memory figure of /proc/<pid>/status in bytes: `VmRSS` now, or `VmHWM` at its peak (0 once gone). */
export function memoryOf(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  if (pid === undefined) return 0;
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** A process's CPU seconds so far, user and system together. */
export function cpuSeconds(pid: number | undefined): number {
  const { user, sys } = cpuOf(pid);
  return user + sys;
}
