/**
 * sudo's syslog line as ECS fields: `bob : TTY=pts/0 ; PWD=/home/bob ; USER=root ; COMMAND=/usr/bin/id`,
 * with a reason before the pairs when it refused (`3 incorrect password attempts ; TTY=...`).
 * Rules ask for the user sudo ran as (Sigma's `USER`), which is otherwise buried in the text.
 * Null when the message is not of that form; COMMAND comes last and keeps any ` ; ` of its own.
 */
export function sudoFields(message: string): Record<string, string> | null {
  const colon = message.indexOf(' : ');
  if (colon <= 0 || colon > 256 || /\s/.test(message.slice(0, colon))) return null;
  const out: Record<string, string> = { 'user.name': message.slice(0, colon) };
  let rest = message.slice(colon + 3);
  const command = rest.startsWith('COMMAND=') ? 0 : rest.indexOf(' ; COMMAND=');
  if (command >= 0) {
    out['process.command_line'] = rest.slice(command === 0 ? 8 : command + 11);
    rest = command === 0 ? '' : rest.slice(0, command);
  }
  const reasons: string[] = [];
  for (const part of rest === '' ? [] : rest.split(' ; ')) {
    const pair = /^([A-Z]+)=(.*)$/s.exec(part);
    if (pair === null) reasons.push(part);
    else if (pair[1] === 'USER') out['user.effective.name'] = pair[2]!;
    else if (pair[1] === 'GROUP') out['user.effective.group.name'] = pair[2]!;
    else if (pair[1] === 'PWD') out['process.working_directory'] = pair[2]!;
  }
  if (out['user.effective.name'] === undefined && out['process.command_line'] === undefined) return null;
  if (reasons.length > 0) out['event.reason'] = reasons.join('; ');
  return out;
}
