import { describe, expect, it } from 'vitest';
import { contentFindings, topicsOf, type Language, type Topic } from './content.js';

const SAMPLES: readonly [Language, string, Topic[]][] = [
  [
    'en',
    'URGENT: we have changed our bank account, please update your records before paying the invoice',
    ['bank-change', 'urgency', 'invoice'],
  ],
  [
    'fr',
    "Suite à un changement de banque, voici nos nouvelles coordonnées bancaires. Merci d'effectuer le virement au plus vite.",
    ['bank-change', 'payment', 'urgency'],
  ],
  [
    'de',
    'Bitte beachten Sie unsere neue Bankverbindung. Die Rechnung ist dringend zu begleichen.',
    ['bank-change', 'invoice', 'urgency'],
  ],
  [
    'es',
    'Le informamos de nuestros nuevos datos bancarios; realice la transferencia lo antes posible.',
    ['bank-change', 'payment', 'urgency'],
  ],
  [
    'it',
    'Vi comunichiamo le nuove coordinate bancarie per il pagamento della fattura, urgente.',
    ['bank-change', 'payment', 'invoice', 'urgency'],
  ],
  [
    'pt',
    'Segue os novos dados bancários para o pagamento da fatura. É urgente.',
    ['bank-change', 'payment', 'invoice', 'urgency'],
  ],
  [
    'nl',
    'Let op onze nieuwe bankgegevens voor de betaling van de factuur, met spoed.',
    ['bank-change', 'payment', 'invoice', 'urgency'],
  ],
  [
    'zh-Hant',
    '因銀行帳戶變更,請將貨款匯款至新的銀行帳戶,並請盡快處理這張發票。',
    ['bank-change', 'payment', 'urgency', 'invoice'],
  ],
  [
    'zh-Hans',
    '由于银行账号变更,请尽快将付款汇至新的银行账户,发票见附件。',
    ['bank-change', 'payment', 'urgency', 'invoice'],
  ],
  [
    'ja',
    '振込先の変更についてご案内いたします。至急、請求書のお支払いをお願いします。',
    ['bank-change', 'urgency', 'invoice', 'payment'],
  ],
];

describe('topicsOf', () => {
  for (const [language, text, topics] of SAMPLES)
    it(`reads ${language}`, () => {
      const hits = topicsOf(text);
      for (const topic of topics) {
        const hit = hits.find((h) => h.topic === topic);
        expect(hit, `${language} ${topic}`).toBeDefined();
        expect(hit!.languages).toContain(language);
      }
    });

  it('matches without accents and across line breaks', () => {
    expect(topicsOf('NOUVELLES COORDONNEES\nBANCAIRES').map((h) => h.topic)).toContain('bank-change');
  });

  it('leaves ordinary mail alone', () => {
    expect(topicsOf('Hi team, the meeting notes are attached. See you on Thursday for lunch.')).toEqual([]);
    expect(topicsOf('')).toEqual([]);
  });

  it('matches whole words in alphabetic scripts', () => {
    // "pago" inside "pagoda", "urgent" inside "insurgent".
    expect(topicsOf('We visited the pagoda; the insurgents had left.')).toEqual([]);
  });

  it('scores bank-detail changes above mere invoices', () => {
    const f = contentFindings(topicsOf('Invoice\nPlease note our new bank details.'));
    const bank = f.find((x) => x.code === 'content.bank-change')!;
    const invoice = f.find((x) => x.code === 'content.invoice')!;
    expect(bank.score).toBeGreaterThan(invoice.score);
    expect(bank.evidence.phrases).toContain('new bank details');
  });
});
