import { clip, finding, type Finding } from './findings.js';

/**
 * The language of BEC and invoice fraud: urgency, payment, invoices, changed bank details, and
 * secrecy, in English, French, German, Spanish, Italian, Portuguese, Dutch, Chinese (traditional
 * and simplified) and Japanese. Phrases are matched on lower-case text without accents, whole
 * words for alphabetic scripts and substrings for CJK, which has no spaces between words.
 */
export type Topic = 'bank-change' | 'urgency' | 'payment' | 'invoice' | 'secrecy';
export type Language = 'en' | 'fr' | 'de' | 'es' | 'it' | 'pt' | 'nl' | 'zh-Hant' | 'zh-Hans' | 'ja';

type Phrases = Partial<Record<Language, string>>;

// Phrases separated by '|'. Written without accents (the text is folded the same way).
const PHRASES: Readonly<Record<Topic, Phrases>> = {
  'bank-change': {
    en:
      'new bank account|new bank details|new banking details|new account details|change of bank details|' +
      'changed our bank|changed bank account|bank details have changed|banking details have changed|' +
      'updated bank details|update your records|update the bank details|new iban|new account number|' +
      'change in our bank|changed our banking|remit to our new account|payment details have changed',
    fr:
      'nouvelles coordonnees bancaires|nouveau rib|nouvel iban|changement de coordonnees bancaires|' +
      'changement de banque|changement de rib|modification de nos coordonnees bancaires|' +
      'modification du rib|notre rib a change|nos coordonnees bancaires ont change|nouveau compte bancaire|' +
      'mise a jour de nos coordonnees bancaires|mettre a jour le rib|nouvelle domiciliation bancaire',
    de:
      'neue bankverbindung|geanderte bankverbindung|anderung der bankverbindung|anderung unserer bankverbindung|' +
      'neue kontonummer|neues bankkonto|neue iban|bankverbindung hat sich geandert|neue kontoverbindung',
    es:
      'nuevos datos bancarios|nueva cuenta bancaria|cambio de cuenta bancaria|cambio de datos bancarios|' +
      'nuevo iban|nuevo numero de cuenta|hemos cambiado de banco|actualizar los datos bancarios',
    it:
      'nuove coordinate bancarie|nuovo conto corrente|nuovo iban|cambio di coordinate bancarie|' +
      'variazione coordinate bancarie|variazione delle coordinate bancarie|cambio del conto corrente|' +
      'abbiamo cambiato banca',
    pt:
      'novos dados bancarios|nova conta bancaria|novo iban|alteracao de dados bancarios|' +
      'alteracao dos dados bancarios|mudanca de conta bancaria|novo numero de conta|mudamos de banco',
    nl:
      'nieuwe bankgegevens|gewijzigde bankgegevens|nieuw rekeningnummer|nieuwe bankrekening|' +
      'wijziging bankrekening|wijziging van onze bankgegevens|nieuwe iban',
    'zh-Hant':
      '新帳戶|新的銀行帳戶|更改帳戶|變更銀行帳戶|銀行帳號變更|帳戶變更|匯款帳戶變更|收款帳戶變更|更新銀行資料|新的收款帳號',
    'zh-Hans':
      '新账户|新的银行账户|更改账户|变更银行账户|银行账号变更|账户变更|汇款账户变更|收款账户变更|更新银行资料|新的收款账号',
    ja: '口座変更|新しい口座|振込先変更|振込先の変更|口座情報の変更|お振込先の変更|新口座|振込口座の変更',
  },
  urgency: {
    en:
      'urgent|urgently|immediately|asap|as soon as possible|right away|without delay|time sensitive|' +
      'within 24 hours|by end of day|today without fail|final notice|last reminder',
    fr:
      'urgent|urgente|immediatement|des que possible|au plus vite|sans delai|dans les plus brefs delais|' +
      'aujourd hui meme|avant ce soir|dernier rappel|sous 24 heures|tres rapidement',
    de: 'dringend|sofort|umgehend|eilig|heute noch|so schnell wie moglich|unverzuglich|letzte mahnung|innerhalb von 24 stunden',
    es: 'urgente|inmediatamente|lo antes posible|cuanto antes|hoy mismo|sin demora|ultimo aviso|en 24 horas',
    it: 'urgente|immediatamente|al piu presto|quanto prima|entro oggi|senza indugio|ultimo avviso|entro 24 ore',
    pt: 'urgente|imediatamente|o mais rapido possivel|hoje mesmo|com urgencia|sem demora|ultimo aviso|em 24 horas',
    nl: 'dringend|onmiddellijk|zo snel mogelijk|vandaag nog|spoedig|met spoed|laatste herinnering|binnen 24 uur',
    'zh-Hant': '緊急|立即|盡快|馬上|今天內|今日內|儘速|刻不容緩|最後通知',
    'zh-Hans': '紧急|立即|尽快|马上|今天内|今日内|尽速|刻不容缓|最后通知',
    ja: '至急|緊急|直ちに|早急に|本日中|すぐに|大至急|最終通知',
  },
  payment: {
    en: 'payment|wire transfer|bank transfer|remittance|outstanding balance|overdue|make the transfer|process the payment',
    fr: 'paiement|virement|reglement|regler|solde du|impaye|impayee|echeance|effectuer le virement',
    de: 'zahlung|uberweisung|zahlungseingang|ausstehend|offener betrag|mahnung|zahlen sie',
    es: 'pago|transferencia|abonar|pendiente de pago|vencido|realizar la transferencia',
    it: 'pagamento|bonifico|saldare|scaduto|effettuare il bonifico',
    pt: 'pagamento|transferencia|liquidar|em atraso|efetuar a transferencia',
    nl: 'betaling|overboeking|overmaken|achterstallig|openstaand bedrag',
    'zh-Hant': '付款|匯款|轉帳|支付|繳款',
    'zh-Hans': '付款|汇款|转账|支付|缴款',
    ja: '支払い|お支払い|振込|お振込|送金',
  },
  invoice: {
    en: 'invoice|invoices|statement of account|proforma',
    fr: 'facture|factures|avoir|releve de compte',
    de: 'rechnung|rechnungen',
    es: 'factura|facturas',
    it: 'fattura|fatture',
    pt: 'fatura|faturas|factura',
    nl: 'factuur|facturen',
    'zh-Hant': '發票|帳單|請款單',
    'zh-Hans': '发票|账单|请款单',
    ja: '請求書|インボイス|ご請求',
  },
  secrecy: {
    en: 'confidential|keep this between us|do not tell|do not discuss|are you available|i am in a meeting|cannot talk now',
    fr: 'confidentiel|confidentielle|en toute discretion|restez discret|etes vous disponible|je suis en reunion',
    de: 'vertraulich|streng geheim|sind sie erreichbar|ich bin in einer besprechung',
    es: 'confidencial|con discrecion|estas disponible|estoy en una reunion',
    it: 'riservato|riservata|con discrezione|sei disponibile|sono in riunione',
    pt: 'confidencial|com discricao|esta disponivel|estou em reuniao',
    nl: 'vertrouwelijk|in alle discretie|ben je beschikbaar|ik zit in een vergadering',
    'zh-Hant': '保密|不要告訴|機密|在開會',
    'zh-Hans': '保密|不要告诉|机密|在开会',
    ja: '内密|他言無用|極秘|会議中',
  },
};

const CJK: ReadonlySet<Language> = new Set(['zh-Hant', 'zh-Hans', 'ja']);

interface CompiledTopic {
  readonly topic: Topic;
  /** One pattern per writing style (words, CJK), all languages at once: two scans per topic. */
  readonly patterns: readonly RegExp[];
  /** Phrase (single-spaced) → the languages it belongs to. */
  readonly languages: ReadonlyMap<string, readonly Language[]>;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compile(topic: Topic, byLang: Phrases): CompiledTopic {
  const languages = new Map<string, Language[]>();
  const words: string[] = [];
  const cjk: string[] = [];
  for (const [language, phrases] of Object.entries(byLang) as [Language, string][])
    for (const phrase of phrases.split('|')) {
      languages.set(phrase, [...(languages.get(phrase) ?? []), language]);
      (CJK.has(language) ? cjk : words).push(phrase);
    }
  // Longest first, so that "urgente" wins over "urgent" at the same place.
  const alternation = (list: string[]) =>
    [...new Set(list)]
      .sort((a, b) => b.length - a.length)
      .map((p) => escape(p).replace(/ /g, '\\s+'))
      .join('|');
  const patterns: RegExp[] = [];
  // Letters and digits around a word mean it is part of another word ("paiementsxyz" is not).
  if (words.length > 0)
    patterns.push(new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternation(words)})(?![\\p{L}\\p{N}])`, 'gu'));
  if (cjk.length > 0) patterns.push(new RegExp(`(?:${alternation(cjk)})`, 'g'));
  return { topic, patterns, languages };
}

const COMPILED: readonly CompiledTopic[] = (Object.entries(PHRASES) as [Topic, Phrases][]).map(
  ([topic, byLang]) => compile(topic, byLang),
);

/** Lower case, no accents, apostrophes as spaces: "Aujourd'hui" → "aujourd hui". */
export function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[’'`´]/g, ' ')
    .normalize('NFC');
}

export interface TopicHit {
  readonly topic: Topic;
  readonly languages: Language[];
  readonly phrases: string[];
}

const MAX_PHRASES = 5;

/** Which topics the text speaks of, in which languages, with the phrases found. */
export function topicsOf(text: string): TopicHit[] {
  const folded = foldText(text);
  const out: TopicHit[] = [];
  for (const { topic, patterns, languages: byPhrase } of COMPILED) {
    const languages = new Set<Language>();
    const phrases = new Set<string>();
    for (const pattern of patterns) {
      pattern.lastIndex = 0;
      for (const m of folded.matchAll(pattern)) {
        const phrase = m[0].replace(/\s+/g, ' ');
        for (const l of byPhrase.get(phrase) ?? []) languages.add(l);
        if (phrases.size < MAX_PHRASES) phrases.add(phrase);
      }
    }
    if (languages.size > 0) out.push({ topic, languages: [...languages], phrases: [...phrases] });
  }
  return out;
}

const TOPIC_SCORE: Readonly<Record<Topic, number>> = {
  'bank-change': 40,
  urgency: 15,
  payment: 10,
  invoice: 10,
  secrecy: 15,
};

const TOPIC_REASON: Readonly<Record<Topic, string>> = {
  'bank-change': 'asks to pay to changed or new bank details',
  urgency: 'presses for urgency',
  payment: 'asks for a payment or transfer',
  invoice: 'is about an invoice',
  secrecy: 'asks for discretion or availability, as CEO fraud does',
};

/** Findings for the topics of one message's subject and body (see topicsOf). */
export function contentFindings(hits: readonly TopicHit[]): Finding[] {
  return hits.map((h) =>
    finding(
      'content',
      h.topic,
      TOPIC_SCORE[h.topic],
      `The message ${TOPIC_REASON[h.topic]} (${h.phrases.map((p) => `"${clip(p, 40)}"`).join(', ')})`,
      {
        topic: h.topic,
        languages: h.languages,
        phrases: h.phrases,
      },
    ),
  );
}
