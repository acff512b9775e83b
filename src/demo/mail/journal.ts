import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  analyzeRaw,
  EmailPolicy,
  InMemorySenderHistory,
  recordInHistory,
  type EmailEvent,
} from '../../email/index.js';
import type { DemoEvent } from '../model.js';
import { mboxDate } from './message.js';
import type { DemoMailPolicy } from './office.js';

/**
 * Analyzes the day's mail in order, as `vigil serve` does when it receives it: one policy, a
 * sender history that learns from each message (IBANs from clean mail only). The clock is the
 * message's own time, so the same day gives the same events.
 */
export async function analyzeJournal(
  mail: readonly DemoEvent[],
  policy: DemoMailPolicy,
  source = 'email.mbox',
): Promise<EmailEvent[]> {
  const p = new EmailPolicy(policy);
  const history = new InMemorySenderHistory();
  const out: EmailEvent[] = [];
  let i = 0;
  for (const e of mail) {
    i++;
    const analysis = await analyzeRaw(Buffer.from(e.raw ?? '', 'utf8'), {
      policy: p,
      history,
      source: `${source}#${i}`,
      receivedAt: new Date(String(e.record['@timestamp'])),
    });
    await recordInHistory(history, analysis);
    out.push(analysis.event);
  }
  return out;
}

/** mboxrd: a "From " line before each message, and body lines starting with ">*From " quoted once more. */
export function mbox(mail: readonly DemoEvent[]): string {
  return mail
    .map((e) => {
      const from = String(e.record['email.from.address'] ?? 'MAILER-DAEMON');
      const body = (e.raw ?? '').replace(/^(>*From )/gm, '>$1');
      return `From ${from} ${mboxDate(Date.parse(String(e.record['@timestamp'])))}\n${body}\n`;
    })
    .join('');
}

/**
 * The mail files of a demo folder: `email.mbox` (the messages as journaled), `email.ndjson` (the
 * events Vigil's analysis makes of them, in the same order) and `email-people.yml` (the policy, as
 * `vigil email analyze --people` and `vigil serve`'s `email_people` read it). Returns the number
 * of events written.
 */
export async function writeMailFiles(
  dir: string,
  mail: readonly DemoEvent[],
  policy: DemoMailPolicy,
): Promise<number> {
  const events = await analyzeJournal(mail, policy);
  await writeFile(join(dir, 'email.mbox'), mbox(mail));
  await writeFile(join(dir, 'email.ndjson'), events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  await writeFile(join(dir, 'email-people.yml'), stringify(policy));
  return events.length;
}
