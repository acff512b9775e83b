import { checkUrl, expectSuccess, httpSend, origin } from '../http-client.js';
import { isSecretReference } from '../secrets.js';
import { ActionError, type Action } from './action.js';
import { signPayload } from './notify.js';
import { subjectJson, summaryText } from './message.js';

/** The server's way to add a note to an incident (IncidentRepository.addNote, bound to the store). */
export type AddIncidentNote = (
  tenant: string,
  incidentId: string,
  text: string,
  author: string,
) => Promise<boolean>;

function ticketId(body: string): string | null {
  try {
    const j = JSON.parse(body) as Record<string, unknown>;
    for (const k of ['id', 'key', 'number', 'ticket', 'url'])
      if (typeof j[k] === 'string' || typeof j[k] === 'number') return String(j[k]).slice(0, 200);
  } catch {
    // Not JSON: the status says it worked.
  }
  return null;
}

/** Opens a ticket by POSTing JSON to a ticketing system's webhook (signed like notify.webhook). */
export function ticketAction(o: { timeoutMs?: number } = {}): Action {
  return {
    name: 'case.ticket',
    description: 'Open a ticket through a generic webhook (JSON, HMAC-signed when a secret is given)',
    params: {
      url: { type: 'url', required: true, description: 'the ticketing webhook: an http(s) URL, or env:NAME' },
      secret: { type: 'secret', description: 'HMAC key, env:NAME' },
      title: { type: 'text', description: 'ticket title (default: the incident title)' },
      text: { type: 'text', description: 'ticket body (default: a summary)' },
      queue: { type: 'string', description: 'a queue or project name, passed on as is' },
    },
    irreversible: 'a ticket is closed by people in the ticketing system',
    plan: (p) =>
      `open a ticket at ${isSecretReference(String(p.url)) ? String(p.url) : origin(new URL(String(p.url)))}`,
    async run(p, ctx) {
      const raw = String(p.url);
      const url = checkUrl(isSecretReference(raw) ? ctx.secret(raw) : raw);
      const body = JSON.stringify({
        source: 'vigil',
        event: 'response.ticket',
        tenant: ctx.tenant,
        run_id: ctx.runId,
        delivery: ctx.stepKey,
        title: p.title === undefined ? ctx.subject.title : String(p.title),
        description: p.text === undefined ? summaryText(ctx.subject, ctx.playbook.title) : String(p.text),
        severity: ctx.subject.severity,
        ...(p.queue === undefined ? {} : { queue: String(p.queue) }),
        subject: subjectJson(ctx.subject),
      });
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        'X-Vigil-Delivery': ctx.stepKey,
      };
      if (p.secret !== undefined) {
        const ts = String(Math.floor(ctx.now() / 1000));
        headers['X-Vigil-Timestamp'] = ts;
        headers['X-Vigil-Signature'] = signPayload(ctx.secret(String(p.secret)), ts, body);
      }
      const answer = await httpSend({
        url: url.href,
        method: 'POST',
        headers,
        body,
        signal: ctx.signal,
        ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
      });
      expectSuccess(answer, url);
      return {
        output: { status: answer.status, to: origin(url), ticket: ticketId(answer.body) },
        undo: null,
      };
    },
  };
}

/** Adds a note to the incident, through the callback the server provides. */
export function noteAction(addNote: AddIncidentNote | null): Action {
  return {
    name: 'case.note',
    description: "Add a note to the incident's timeline",
    params: { text: { type: 'text', required: true, description: 'the note' } },
    irreversible: 'notes are the incident history; they are not deleted',
    plan: (p) => `add a note to the incident: ${String(p.text).slice(0, 80)}`,
    async run(p, ctx) {
      if (addNote === null) throw new ActionError('incident notes are not available in this process', false);
      if (ctx.subject.kind !== 'incident')
        throw new ActionError('an alert has no incident to add a note to', false);
      const added = await addNote(ctx.tenant, ctx.subject.id, String(p.text), `playbook:${ctx.playbook.id}`);
      if (!added) throw new ActionError(`incident ${ctx.subject.id} not found`, false);
      return { output: { incident: ctx.subject.id }, undo: null };
    },
  };
}
