import { createHmac } from 'node:crypto';
import { checkUrl, expectSuccess, httpSend, origin } from '../http-client.js';
import { isSecretReference } from '../secrets.js';
import type { Action, ActionContext, Params, ParamSpec } from './action.js';
import { subjectJson, summaryText } from './message.js';

export interface HttpActionOptions {
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
}

const NOT_UNDONE = 'a message that was sent cannot be unsent';

const COMMON: Readonly<Record<string, ParamSpec>> = {
  url: {
    type: 'url',
    required: true,
    description: 'where to POST: an http(s) URL, or env:NAME when the URL holds a token',
  },
  title: { type: 'text', description: 'the headline (default: the incident title)' },
  text: { type: 'text', description: 'the message (default: a summary of the incident)' },
};

/** Signs `TIMESTAMP.BODY` with HMAC-SHA256: receivers recompute it and refuse stale timestamps. */
export function signPayload(key: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}`;
}

const resolveUrl = (p: Params, ctx: ActionContext) => {
  const raw = String(p.url);
  return checkUrl(isSecretReference(raw) ? ctx.secret(raw) : raw);
};

const shownUrl = (p: Params) =>
  isSecretReference(String(p.url)) ? String(p.url) : origin(new URL(String(p.url)));

async function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  ctx: ActionContext,
  o: HttpActionOptions,
) {
  const answer = await httpSend({
    url: url.href,
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'Vigil-Response',
      'X-Vigil-Delivery': ctx.stepKey,
      ...headers,
    },
    body,
    signal: ctx.signal,
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.maxResponseBytes !== undefined ? { maxResponseBytes: o.maxResponseBytes } : {}),
  });
  expectSuccess(answer, url);
  return answer;
}

const textOf = (p: Params, ctx: ActionContext) =>
  p.text === undefined ? summaryText(ctx.subject, ctx.playbook.title) : String(p.text);
const titleOf = (p: Params, ctx: ActionContext) =>
  p.title === undefined ? ctx.subject.title : String(p.title);

/** A generic JSON webhook, HMAC-signed when a key is given. */
export function webhookAction(o: HttpActionOptions = {}): Action {
  return {
    name: 'notify.webhook',
    description: 'POST a JSON message to a webhook, signed with HMAC-SHA256 when a secret is given',
    params: { ...COMMON, secret: { type: 'secret', description: 'HMAC key, env:NAME' } },
    irreversible: NOT_UNDONE,
    plan: (p) => `POST a JSON message to ${shownUrl(p)}${p.secret === undefined ? '' : ', signed'}`,
    async run(p, ctx) {
      const url = resolveUrl(p, ctx);
      const body = JSON.stringify({
        source: 'vigil',
        event: 'response.notify',
        tenant: ctx.tenant,
        run_id: ctx.runId,
        delivery: ctx.stepKey,
        playbook: ctx.playbook,
        title: titleOf(p, ctx),
        text: textOf(p, ctx),
        subject: subjectJson(ctx.subject),
        sent_at: new Date(ctx.now()).toISOString(),
      });
      const headers: Record<string, string> = {};
      if (p.secret !== undefined) {
        const ts = String(Math.floor(ctx.now() / 1000));
        headers['X-Vigil-Timestamp'] = ts;
        headers['X-Vigil-Signature'] = signPayload(ctx.secret(String(p.secret)), ts, body);
      }
      const answer = await post(url, body, headers, ctx, o);
      return {
        output: { status: answer.status, to: origin(url), signed: p.secret !== undefined },
        undo: null,
      };
    },
  };
}

/** Slack's mrkdwn gives <, > and & meaning (<!channel>, links): escape them. */
const slackEscape = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A Slack-compatible incoming webhook message (also read by Mattermost and Rocket.Chat). */
export function slackAction(o: HttpActionOptions = {}): Action {
  return {
    name: 'notify.slack',
    description: 'Post to a Slack-compatible incoming webhook',
    params: COMMON,
    irreversible: NOT_UNDONE,
    plan: (p) => `post a Slack message to ${shownUrl(p)}`,
    async run(p, ctx) {
      const url = resolveUrl(p, ctx);
      const title = slackEscape(titleOf(p, ctx));
      const text = slackEscape(textOf(p, ctx));
      const body = JSON.stringify({
        text: `${title}\n${text}`,
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: titleOf(p, ctx).slice(0, 150) } },
          { type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } },
          { type: 'context', elements: [{ type: 'mrkdwn', text: `Vigil run ${ctx.runId}` }] },
        ],
      });
      const answer = await post(url, body, {}, ctx, o);
      return { output: { status: answer.status, to: origin(url) }, undo: null };
    },
  };
}

/** A Microsoft Teams message (an Adaptive Card, as Teams workflows and connectors accept). */
export function teamsAction(o: HttpActionOptions = {}): Action {
  return {
    name: 'notify.teams',
    description: 'Post an Adaptive Card to a Teams-compatible webhook',
    params: COMMON,
    irreversible: NOT_UNDONE,
    plan: (p) => `post a Teams card to ${shownUrl(p)}`,
    async run(p, ctx) {
      const url = resolveUrl(p, ctx);
      const s = ctx.subject;
      const body = JSON.stringify({
        type: 'message',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive',
            contentUrl: null,
            content: {
              $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
              type: 'AdaptiveCard',
              version: '1.4',
              body: [
                { type: 'TextBlock', size: 'Large', weight: 'Bolder', wrap: true, text: titleOf(p, ctx) },
                { type: 'TextBlock', wrap: true, text: textOf(p, ctx) },
                {
                  type: 'FactSet',
                  facts: [
                    { title: 'Severity', value: s.severity },
                    { title: 'Risk', value: String(s.risk) },
                    { title: 'Hosts', value: s.hosts.slice(0, 10).join(', ') || '-' },
                    { title: 'Run', value: ctx.runId },
                  ],
                },
              ],
            },
          },
        ],
      });
      const answer = await post(url, body, {}, ctx, o);
      return { output: { status: answer.status, to: origin(url) }, undo: null };
    },
  };
}
