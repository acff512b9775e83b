import { isFoldable } from './aho-corasick.js';

/**
 * Literals a regular expression needs: one per top-level alternative, each a run of plain
 * characters every match of that alternative contains (lower-cased ASCII, for the case-folding
 * index). Null when some alternative has no such run of `minLength` characters.
 *
 * The reading is deliberately partial: anything it does not fully understand (classes, groups,
 * most escapes, anchors) only ends the current run, and an unusual construct ends the reading of
 * that alternative, keeping the runs found before it. Quantifiers that allow zero repetitions
 * drop the character before them. JavaScript patterns without the `u` flag only: there no
 * non-ASCII character matches an ASCII one, even with `i`.
 */
export function regexLiterals(re: RegExp, minLength: number): string[] | null {
  if (/[uv]/.test(re.flags)) return null;
  const branches = topLevelBranches(re.source);
  if (branches === null) return null;
  const out: string[] = [];
  for (const b of branches) {
    const run = longestRun(b);
    if (run.length < minLength) return null;
    out.push(run.toLowerCase());
  }
  return out;
}

/** Index just past the class starting at `i` (`[`), or -1 when it does not close. */
function skipClass(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === '\\') j++;
    else if (s[j] === ']') return j + 1;
  }
  return -1;
}

/** Index just past the group starting at `i` (`(`), or -1 when it does not close. */
function skipGroup(s: string, i: number): number {
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    const c = s[j];
    if (c === '\\') j++;
    else if (c === '[') {
      const end = skipClass(s, j);
      if (end < 0) return -1;
      j = end - 1;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return j + 1;
  }
  return -1;
}

/** The pattern split at `|` outside groups and classes; null when it is not well nested. */
function topLevelBranches(s: string): string[] | null {
  const out: string[] = [];
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '[' || c === '(') {
      const end = c === '[' ? skipClass(s, i) : skipGroup(s, i);
      if (end < 0) return null;
      i = end - 1;
    } else if (c === ')') return null;
    else if (c === '|') {
      out.push(s.slice(from, i));
      from = i + 1;
    }
  }
  out.push(s.slice(from));
  return out;
}

const QUANTIFIER = /^\{(\d+)(?:,\d*)?\}/;

/** The longest run of plain characters that every match of this alternative contains. */
function longestRun(s: string): string {
  let best = '';
  let run = '';
  /** Whether the last thing read was a plain character (the end of `run`). */
  let lastWasChar = false;
  const close = (): void => {
    if (run.length > best.length) best = run;
    run = '';
    lastWasChar = false;
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    let char: string | null = null;
    if (c === '\\') {
      const next = s[i + 1];
      const control = next === 't' ? '\t' : next === 'n' ? '\n' : next === 'r' ? '\r' : null;
      // A class of one character (\d, \s, \w...), a boundary (\b) or another control character
      // (\f, \v): the run ends there, and the next one starts after it.
      if (control === null && next !== undefined && /[dDsSwWbBfv]/.test(next)) {
        close();
        i += 2;
        continue;
      }
      // \x41, \u0041, \1, \cJ ...: not read; the runs found so far still hold.
      if (control === null && (next === undefined || /[A-Za-z0-9]/.test(next))) break;
      char = control ?? next!;
      i += 2;
    } else if (c === '[' || c === '(') {
      const end = c === '[' ? skipClass(s, i) : skipGroup(s, i);
      if (end < 0) break;
      close();
      i = end;
      continue;
    } else if (c === '*' || c === '?' || c === '+' || c === '{') {
      let min: number;
      let length = 1;
      if (c === '{') {
        const m = QUANTIFIER.exec(s.slice(i));
        // Without a valid quantifier a brace is a literal in legacy patterns; not read.
        if (m === null) break;
        min = Number(m[1]);
        length = m[0].length;
      } else min = c === '+' ? 1 : 0;
      // The character before a quantifier may be absent (min 0) or repeated: the run ends.
      if (min === 0 && lastWasChar) run = run.slice(0, -1);
      close();
      i += length;
      if (s[i] === '?') i++; // lazy
      continue;
    } else if (c === '.' || c === '^' || c === '$' || c === '|' || c === ')' || c === ']' || c === '}') {
      close();
      i++;
      continue;
    } else {
      char = c;
      i++;
    }
    if (isFoldable(char)) {
      run += char;
      lastWasChar = true;
    } else close();
  }
  close();
  return best;
}
