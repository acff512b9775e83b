/** Helpers for tests of the response engine (not part of the library surface). */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ActionRegistry } from './actions/action.js';
import { parsePlaybook } from './load.js';
import type { Playbook } from './model.js';
import type { AlertInput, IncidentInput } from './subject.js';

/** An incident as correlation builds it, with only what a test sets differing from a plain one. */
export function testIncident(
  over: Omit<Partial<IncidentInput>, 'risk'> & { risk?: number } = {},
): IncidentInput {
  const { risk, ...rest } = over;
  return {
    id: 'inc-0001',
    title: 'Ransomware on WS01',
    severity: 'critical',
    hosts: ['ws01'],
    users: ['jdoe'],
    tactics: ['execution', 'impact'],
    rules: [{ id: 'rule-ransom', title: 'Ransom Note Written', level: 'critical', count: 3 }],
    alertCount: 3,
    entities: [
      { type: 'hash', value: 'd41d8cd98f00b204e9800998ecf8427e', alerts: 1 },
      { type: 'hash', value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', alerts: 2 },
      { type: 'domain', value: 'evil.example', alerts: 1 },
    ],
    ...rest,
    risk: { score: risk ?? 90 },
  };
}

export function testAlert(over: Partial<AlertInput> = {}): AlertInput {
  return {
    id: 'evt-1/rule-priv',
    ruleId: 'rule-priv',
    title: 'Privileged Container Started',
    level: 'high',
    tags: ['attack.privilege-escalation'],
    host: 'node-1',
    entities: [{ type: 'container', value: 'abc123', role: 'self' }],
    ...over,
  };
}

/** A playbook from YAML text; throws with every problem when it does not load. */
export function playbookOf(yaml: string, actions: ActionRegistry, file = 'test.yml'): Playbook {
  const { playbook, errors } = parsePlaybook(yaml, file, actions);
  if (playbook === null) throw new Error(errors.map((e) => e.describe()).join('\n'));
  return playbook;
}

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/**
 * An HTTP receiver on 127.0.0.1 that records what it gets and answers with `respond` (which may
 * also never answer, to play a hanging receiver).
 */
export async function startReceiver(
  respond: (req: Received, res: ServerResponse, n: number) => void = (_r, res) =>
    res.writeHead(200).end('{}'),
): Promise<{ url: string; received: Received[]; server: Server; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(r);
      respond(r, res, received.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
