import { describe, expect, it } from 'vitest';
import { LookalikeIndex } from './lookalike.js';
import { publicSuffixes } from './public-suffix.js';
import { htmlLinks, textLinks, urlFindings, type Link } from './urls.js';

const lookalikes = new LookalikeIndex([{ domain: 'paypal.com', kind: 'brand', owner: 'PayPal' }]);
const suffixes = publicSuffixes();
const codes = (links: Link[]) =>
  urlFindings({ links, lookalikes, suffixes })
    .map((f) => f.code)
    .sort();

describe('link extraction', () => {
  it('reads anchors with their visible text and entities', () => {
    const links = htmlLinks(
      `<p>Hi <A class="x" HREF="https://evil.test/a?b=1&amp;c=2"><b>www.paypal.com</b></A> and <a href='http://x.test'>here</a>
       <a name="anchor">no href</a> <abbr>not a link</abbr> <a href=https://bare.test/>bare</a>`,
      100,
    );
    expect(links).toEqual([
      { url: 'https://evil.test/a?b=1&c=2', text: 'www.paypal.com' },
      { url: 'http://x.test', text: 'here' },
      { url: 'https://bare.test/', text: 'bare' },
    ]);
  });

  it('stays bounded on hostile HTML', () => {
    const hostile = '<a href="https://x.test/">'.repeat(50_000) + '<a ' + 'x'.repeat(100_000);
    const links = htmlLinks(hostile, 1000);
    expect(links.length).toBe(1000);
    expect(htmlLinks('<a href="unterminated', 10)).toEqual([]);
  });

  it('finds URLs in plain text, without trailing punctuation', () => {
    expect(textLinks('See https://example.com/x. Or (http://a.test/b), done', 10).map((l) => l.url)).toEqual([
      'https://example.com/x',
      'http://a.test/b',
    ]);
  });
});

describe('urlFindings', () => {
  it('flags text that shows one domain and links to another', () => {
    expect(codes([{ url: 'https://evil.test/login', text: 'https://www.example.org/account' }])).toEqual([
      'urls.text-mismatch',
    ]);
    // Same registrable domain, a file name, or plain words are fine.
    expect(codes([{ url: 'https://mail.example.org/x', text: 'www.example.org' }])).toEqual([]);
    expect(codes([{ url: 'https://files.test/dl', text: 'invoice.pdf' }])).toEqual([]);
    expect(codes([{ url: 'https://files.test/dl', text: 'Click here' }])).toEqual([]);
  });

  it('flags IP hosts, user-info tricks, shorteners and lookalikes', () => {
    expect(codes([{ url: 'http://203.0.113.7/login', text: null }])).toEqual(['urls.ip-host']);
    expect(codes([{ url: 'http://3405803783/x', text: null }])).toEqual(['urls.ip-host']);
    expect(codes([{ url: 'https://www.paypal.com@evil.test/', text: null }])).toEqual(['urls.userinfo-host']);
    expect(codes([{ url: 'https://bit.ly/3abc', text: null }])).toEqual(['urls.shortener']);
    const f = urlFindings({
      links: [{ url: 'https://xn--pypal-4ve.com/signin', text: null }],
      lookalikes,
      suffixes,
    });
    expect(f.map((x) => x.code)).toEqual(['urls.lookalike-domain']);
    expect(f[0]!.evidence.target).toBe('paypal.com');
  });

  it('ignores mailto links, bad URLs and the real domain', () => {
    expect(
      codes([
        { url: 'mailto:a@paypa1.com', text: 'a@paypal.com' },
        { url: 'http://[bad', text: null },
        { url: 'https://www.paypal.com/', text: 'paypal.com' },
      ]),
    ).toEqual([]);
  });
});
