/**
 * Email analysis benchmark: messages per second through analyzeRaw (bounded parse with mailparser,
 * then every analyzer), against mailparser's simpleParser alone on the same messages, in the same
 * run.
 *
 *   npm run build && node dist/bench/email.js [--messages N] [--rounds N]
 *
 * The messages are generated, deterministic and varied: plain notes, HTML newsletters full of
 * links, BEC requests with IBANs in several languages, and mail with attachments (PDF-like
 * files, a zip holding an executable, a macro-enabled OOXML document, an HTML smuggling page).
 * Each round runs the baseline then Vigil over all of them; medians are reported, then one
 * `RESULT {json}` line.
 */
import { simpleParser } from 'mailparser';
import { analyzeRaw, EmailPolicy, InMemorySenderHistory } from '../src/email/index.js';
import { buildMessage, buildZip } from '../src/email/testing.js';

function args(argv: string[]) {
  const o = { messages: 2000, rounds: 5 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]!.replace(/^--/, '') as keyof typeof o;
    if (!(key in o)) throw new Error(`unknown argument ${argv[i]}`);
    const n = Number(argv[i + 1]);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${argv[i]} needs a whole number >= 1`);
    o[key] = n;
  }
  return o;
}

const LANGS = [
  'Please note our new bank details for the payment of invoice {n}, urgently: IBAN GB82 WEST 1234 5698 7654 32.',
  'Suite à un changement de banque, merci de régler la facture {n} au plus vite sur notre nouveau RIB : FR76 3000 6000 0112 3456 7890 189.',
  'Bitte überweisen Sie die Rechnung {n} umgehend auf unsere neue Bankverbindung DE89 3704 0044 0532 0130 00.',
  '由於銀行帳戶變更,請盡快將發票 {n} 的款項匯款至新的銀行帳戶。',
  '振込先の変更についてご案内いたします。請求書 {n} のお支払いを至急お願いします。',
];

function corpus(count: number): Buffer[] {
  const out: Buffer[] = [];
  const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(40_000, 0x41)]);
  const zip = buildZip([
    { name: 'invoice.pdf.exe', data: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(20_000)]) },
  ]);
  const docm = buildZip([
    { name: '[Content_Types].xml', data: '<Types/>' },
    { name: 'word/document.xml', data: '<w:document>' + 'text '.repeat(2000) + '</w:document>' },
    { name: 'word/vbaProject.bin', data: Buffer.alloc(8000, 7) },
  ]);
  const smuggle = `<html><script>var b=new Blob([atob("${Buffer.alloc(6000, 9).toString('base64')}")]);var a=document.createElement('a');a.href=URL.createObjectURL(b);a.download='x.iso';a.click();</script></html>`;
  for (let n = 0; n < count; n++) {
    const headers = {
      From:
        n % 7 === 0
          ? `"Jean Dupont" <jean.dupont@acme-metaux-fr.com>`
          : `Sender ${n % 50} <user${n % 50}@sender${n % 50}.example>`,
      To: `finance${n % 10}@client.fr`,
      Subject: `Message ${n}`,
      Date: new Date(Date.UTC(2026, 0, 1) + n * 60_000).toUTCString(),
      'Message-ID': `<m${n}@bench.example>`,
      Received: `from relay${n % 5}.example (relay${n % 5}.example [198.51.100.${n % 250}]) by mx.client.fr; ${new Date(Date.UTC(2026, 0, 1)).toUTCString()}`,
      'Authentication-Results': `mx.client.fr; spf=${n % 9 === 0 ? 'fail' : 'pass'} smtp.mailfrom=sender.example; dkim=pass; dmarc=${n % 9 === 0 ? 'fail' : 'pass'}`,
    };
    switch (n % 5) {
      case 0:
        out.push(
          buildMessage(
            headers,
            `Hello,\n\n${'Notes from the meeting about the roadmap and the budget. '.repeat(20)}\n\nRegards`,
          ),
        );
        break;
      case 1: {
        const links = Array.from(
          { length: 30 },
          (_, i) =>
            `<p><a href="https://news${i % 4}.example/track?id=${n}-${i}">Read article ${i} on www.example.org</a></p>`,
        ).join('\n');
        out.push(
          buildMessage(
            { ...headers, 'Content-Type': 'text/html; charset=utf-8' },
            `<html><body>${links}<a href="https://paypa1-secure.com/login">www.paypal.com</a></body></html>`,
          ),
        );
        break;
      }
      case 2:
        out.push(buildMessage(headers, LANGS[n % LANGS.length]!.replace('{n}', String(n))));
        break;
      case 3:
        out.push(
          buildMessage(headers, [
            { contentType: 'text/plain; charset=utf-8', body: 'Please find the documents attached.' },
            { contentType: 'application/pdf', body: pdf, filename: `statement-${n}.pdf` },
            { contentType: 'application/zip', body: zip, filename: 'invoice.zip' },
          ]),
        );
        break;
      default:
        out.push(
          buildMessage(headers, [
            { contentType: 'text/plain; charset=utf-8', body: 'Contract and payment page attached.' },
            {
              contentType: 'application/vnd.ms-word.document.macroEnabled.12',
              body: docm,
              filename: 'contract.docm',
            },
            { contentType: 'text/html', body: smuggle, filename: 'payment.html' },
          ]),
        );
    }
  }
  return out;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const o = args(process.argv.slice(2));
  const messages = corpus(o.messages);
  const bytes = messages.reduce((n, m) => n + m.length, 0);
  const policy = new EmailPolicy({
    organization: ['client.fr'],
    partners: ['acme-metaux.fr'],
    people: [{ name: 'Jean Dupont', addresses: ['jean.dupont@acme-metaux.fr'], vip: true }],
  });
  const history = new InMemorySenderHistory();
  await history.record({
    domain: 'acme-metaux.fr',
    time: new Date(),
    ibans: ['FR1420041010050500013M02606'],
  });
  const baseline: number[] = [];
  const vigil: number[] = [];
  const verdicts = { clean: 0, suspicious: 0, malicious: 0 };
  let sink = 0;
  for (let round = 0; round < o.rounds; round++) {
    let t = performance.now();
    for (const m of messages) {
      const parsed = await simpleParser(m, { skipImageLinks: true, skipTextToHtml: true });
      sink += parsed.attachments.length;
    }
    baseline.push((performance.now() - t) / 1000);
    t = performance.now();
    for (const m of messages) {
      const a = await analyzeRaw(m, { policy, history });
      if (round === 0) verdicts[a.verdict]++;
      sink += a.findings.length;
    }
    vigil.push((performance.now() - t) / 1000);
  }
  if (sink < 0) console.log(sink);
  const vigilS = median(vigil);
  const baseS = median(baseline);
  const result = {
    messages: messages.length,
    megabytes: Math.round((bytes / 1e6) * 10) / 10,
    rounds: o.rounds,
    messagesPerSecond: Math.round(messages.length / vigilS),
    megabytesPerSecond: Math.round((bytes / 1e6 / vigilS) * 10) / 10,
    baselineMessagesPerSecond: Math.round(messages.length / baseS),
    ratioToBaseline: Math.round((baseS / vigilS) * 1000) / 1000,
    verdicts,
    peakRssMiB: Math.round(process.memoryUsage().rss / 1048576),
  };
  console.log(`analyzed ${messages.length} messages (${result.megabytes} MB), ${o.rounds} rounds, medians:`);
  console.log(
    `  Vigil analyzeRaw: ${result.messagesPerSecond.toLocaleString()} messages/s (${result.megabytesPerSecond} MB/s)`,
  );
  console.log(
    `  mailparser simpleParser alone: ${result.baselineMessagesPerSecond.toLocaleString()} messages/s (Vigil at ${(result.ratioToBaseline * 100).toFixed(0)}% of it)`,
  );
  console.log(
    `  verdicts: ${verdicts.malicious} malicious, ${verdicts.suspicious} suspicious, ${verdicts.clean} clean; RSS ${result.peakRssMiB} MiB`,
  );
  console.log(`RESULT ${JSON.stringify(result)}`);
}

await main();
