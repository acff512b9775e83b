/** Longest command line parsed; the rest is ignored. */
const MAX_COMMAND_LINE = 8192;
const MAX_ARGS = 256;

/**
 * Splits a Windows command line into arguments the way most programs see them: whitespace
 * separates, double quotes group, `\"` is a literal quote.
 */
export function splitCommandLine(commandLine: string): string[] {
  const text = commandLine.length > MAX_COMMAND_LINE ? commandLine.slice(0, MAX_COMMAND_LINE) : commandLine;
  const args: string[] = [];
  let current = '';
  let inQuotes = false;
  let started = false;
  for (let i = 0; i < text.length && args.length < MAX_ARGS; i++) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '"') {
      current += '"';
      started = true;
      i++;
    } else if (c === '"') {
      inQuotes = !inQuotes;
      started = true;
    } else if (!inQuotes && /\s/.test(c)) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (started && args.length < MAX_ARGS) args.push(current);
  return args;
}

/** Switch prefixes Windows tools accept: '/', '-' and the dashes that paste in from documents. */
const SWITCH_PREFIX = /^[/\-\u2013\u2014\u2015]/;

/** True when `arg` is the switch `name` in any windash spelling (/v, -v, –v). */
export function isSwitch(arg: string, name: string): boolean {
  return SWITCH_PREFIX.test(arg) && arg.slice(1).toLowerCase() === name;
}

/** The argument after the first switch named `name`, if any. */
export function switchValue(args: readonly string[], name: string): string | undefined {
  for (let i = 0; i < args.length - 1; i++) if (isSwitch(args[i]!, name)) return args[i + 1];
  return undefined;
}

/** The program's file name, lower case, without directory: 'reg.exe' for '"C:\Windows\...\REG.EXE"'. */
export function programName(args: readonly string[]): string {
  const first = args[0] ?? '';
  const cut = Math.max(first.lastIndexOf('\\'), first.lastIndexOf('/'));
  return first.slice(cut + 1).toLowerCase();
}
