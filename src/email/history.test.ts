import { describe, expect, it } from 'vitest';
import { InMemorySenderHistory } from './history.js';

describe('InMemorySenderHistory', () => {
  it('records domains and IBANs, case-insensitively', async () => {
    const h = new InMemorySenderHistory();
    expect(await h.messageCount()).toBe(0);
    await h.record({
      domain: 'Supplier.FR',
      time: new Date('2024-01-01'),
      ibans: ['fr14 2004 1010 0505 0001 3m02 606'],
    });
    await h.record({ domain: 'supplier.fr', time: new Date('2024-02-01'), ibans: [] });
    const r = await h.sender('supplier.fr');
    expect(r?.messages).toBe(2);
    expect(r?.ibans).toEqual(['FR1420041010050500013M02606']);
    expect(r?.firstSeen?.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(await h.sender('other.fr')).toBeNull();
    expect(await h.messageCount()).toBe(2);
  });

  it('forgets the least recently seen domain past its bound', async () => {
    const h = new InMemorySenderHistory(2);
    for (const d of ['a.example', 'b.example', 'a.example', 'c.example'])
      await h.record({ domain: d, time: new Date(), ibans: [] });
    expect(await h.sender('b.example')).toBeNull();
    expect(await h.sender('a.example')).not.toBeNull();
    expect(await h.sender('c.example')).not.toBeNull();
  });

  it('loads JSON and refuses invalid records', async () => {
    const h = InMemorySenderHistory.fromJson(
      '{"senders": [{"domain": "supplier.fr", "messages": 12, "ibans": ["FR1420041010050500013M02606"], "firstSeen": "2023-05-01"}]}',
    );
    expect((await h.sender('supplier.fr'))?.messages).toBe(12);
    expect(() =>
      InMemorySenderHistory.fromJson(
        '{"senders": [{"domain": "x.fr", "ibans": ["FR1420041010050500013M02607"]}]}',
      ),
    ).toThrow(/valid IBANs/);
    expect(() => InMemorySenderHistory.fromJson('{"senders": [{"messages": 1}]}')).toThrow(/needs a domain/);
    expect(() => InMemorySenderHistory.fromJson('{"senders": [{"domain": "x.fr", "messages": 0}]}')).toThrow(
      /messages/,
    );
    expect(() => InMemorySenderHistory.fromJson('[]')).toThrow(/senders/);
    expect(() => InMemorySenderHistory.fromJson('{')).toThrow(/not JSON/);
    expect(() => InMemorySenderHistory.load('/nonexistent/history.json')).toThrow(/cannot read/);
  });
});
