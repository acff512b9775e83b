import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbStore } from '../store/chdb.js';
import { analyzeRaw, recordInHistory } from './analyze.js';
import { EmailPolicy } from './policy.js';
import { migrateSenderHistory, StoreSenderHistory } from './store-history.js';
import { buildMessage } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-sender-history-'));
let store: ChdbStore;
beforeAll(async () => {
  store = new ChdbStore(join(dir, 'store'));
  await migrateSenderHistory(store);
  await migrateSenderHistory(store); // idempotent
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const T = Date.UTC(2026, 10, 20, 9, 0, 0);
const REAL = 'FR1420041010050500013M02606';
const FAKE = 'FR7630006000011234567890189';

describe('StoreSenderHistory', () => {
  it('records senders and IBANs per tenant, and a fresh instance reads them back', async () => {
    const a = new StoreSenderHistory(store, 'acme');
    expect(await a.messageCount()).toBe(0);
    expect(await a.sender('supplier.fr')).toBeNull();
    await a.record({
      domain: 'Supplier.FR',
      time: new Date(T),
      ibans: ['fr14 2004 1010 0505 0001 3M02 606'],
    });
    await a.record({ domain: 'supplier.fr', time: new Date(T + 60_000), ibans: [REAL] });
    await a.record({ domain: 'other.fr', time: new Date(T + 120_000), ibans: [] });
    // The cache answers what this instance recorded…
    expect(await a.messageCount()).toBe(3);
    expect(await a.sender('supplier.fr')).toMatchObject({ messages: 2, ibans: [REAL] });
    // …and a new instance (a restart) reads the same from the store.
    const again = new StoreSenderHistory(store, 'acme');
    expect(await again.messageCount()).toBe(3);
    expect(await again.sender('SUPPLIER.fr')).toEqual({
      domain: 'supplier.fr',
      messages: 2,
      firstSeen: new Date(T),
      lastSeen: new Date(T + 60_000),
      ibans: [REAL],
    });
    await again.record({ domain: 'supplier.fr', time: new Date(T + 180_000), ibans: [FAKE] });
    expect([...((await again.sender('supplier.fr'))?.ibans ?? [])].sort()).toEqual([FAKE, REAL].sort());
    // Another tenant's history is its own.
    const other = new StoreSenderHistory(store, 'globex');
    expect(await other.messageCount()).toBe(0);
    expect(await other.sender('supplier.fr')).toBeNull();
  });

  it('keeps hostile domain names as values, never as SQL', async () => {
    const h = new StoreSenderHistory(store, 'hostile');
    const evil = "x.fr' OR 1=1 --";
    await h.record({ domain: evil, time: new Date(T), ibans: [] });
    expect(await new StoreSenderHistory(store, 'hostile').sender(evil)).toMatchObject({ messages: 1 });
    expect(await new StoreSenderHistory(store, 'hostile').sender('x.fr')).toBeNull();
  });

  it('turns a changed IBAN into a finding once the supplier’s real one is on record', async () => {
    const policy = new EmailPolicy({ organization: ['client.fr'], partners: ['acme-metaux.fr'] });
    const history = new StoreSenderHistory(store, 'bec');
    const mail = (from: string, iban: string, subject: string) =>
      buildMessage(
        { From: from, To: 'compta@client.fr', Subject: subject, Date: 'Tue, 3 Mar 2020 09:59:00 +0100' },
        `Bonjour,\n\nVeuillez trouver la facture. Merci de régler sur notre compte IBAN ${iban}.\n`,
      );
    const genuine = await analyzeRaw(mail('jean@acme-metaux.fr', REAL, 'Facture 114'), { policy, history });
    expect(genuine.verdict).toBe('clean');
    await recordInHistory(history, genuine);
    const restarted = new StoreSenderHistory(store, 'bec');
    const bec = await analyzeRaw(
      buildMessage(
        { From: 'jean@acme-rnetaux.fr', To: 'compta@client.fr', Subject: 'Nouvelles coordonnées bancaires' },
        `Bonjour,\n\nSuite à un changement de banque, merci de noter nos nouvelles coordonnées bancaires : IBAN ${FAKE}\n`,
      ),
      { policy, history: restarted },
    );
    expect(bec.findings.map((f) => f.code)).toEqual(
      expect.arrayContaining(['iban.changed', 'history.first-seen-domain', 'lookalike.from-domain']),
    );
    expect(bec.verdict).toBe('malicious');
  });
});
