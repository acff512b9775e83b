import type { ProtectedDomain } from './lookalike.js';

/**
 * Well-known senders that phishing and BEC imitate: mail and cloud providers, payment services,
 * banks, carriers, and tax and public authorities (the French BEC case impersonated
 * impots.gouv.fr). Each owner lists its official registrable domains, so that mail from one of
 * them is never a lookalike of another. Compiled by hand for Vigil; extend it with --protect.
 */
const BRANDS: Readonly<Record<string, string>> = {
  // Mail, cloud, collaboration
  Microsoft:
    'microsoft.com office.com office365.com outlook.com live.com hotmail.com microsoftonline.com sharepoint.com onedrive.com azure.com msn.com',
  Google: 'google.com gmail.com googlemail.com youtube.com google.fr google.de google.co.uk',
  Apple: 'apple.com icloud.com',
  Amazon: 'amazon.com amazon.fr amazon.de amazon.co.uk amazon.es amazon.it amazon.co.jp amazonaws.com',
  Meta: 'facebook.com instagram.com whatsapp.com',
  LinkedIn: 'linkedin.com',
  Yahoo: 'yahoo.com yahoo.fr yahoo.co.jp',
  Dropbox: 'dropbox.com',
  WeTransfer: 'wetransfer.com',
  DocuSign: 'docusign.com docusign.net',
  Adobe: 'adobe.com',
  Zoom: 'zoom.us',
  Salesforce: 'salesforce.com',
  Netflix: 'netflix.com',
  // Payments
  PayPal: 'paypal.com paypal.fr paypal.de',
  Stripe: 'stripe.com',
  Visa: 'visa.com',
  Mastercard: 'mastercard.com',
  'American Express': 'americanexpress.com',
  Wise: 'wise.com transferwise.com',
  // Banks
  'BNP Paribas': 'bnpparibas.com bnpparibas.fr mabanque.bnpparibas',
  'Société Générale': 'societegenerale.fr societegenerale.com',
  'Crédit Agricole': 'credit-agricole.fr credit-agricole.com',
  'Crédit Mutuel': 'creditmutuel.fr',
  'La Banque Postale': 'labanquepostale.fr',
  "Caisse d'Epargne": 'caisse-epargne.fr',
  HSBC: 'hsbc.com hsbc.fr hsbc.co.uk',
  Barclays: 'barclays.co.uk barclays.com',
  Santander: 'santander.com santander.co.uk',
  ING: 'ing.com ing.nl ing.de',
  'Deutsche Bank': 'deutsche-bank.de db.com',
  Commerzbank: 'commerzbank.de',
  UniCredit: 'unicredit.it',
  'Intesa Sanpaolo': 'intesasanpaolo.com',
  BBVA: 'bbva.com bbva.es',
  CaixaBank: 'caixabank.es',
  Rabobank: 'rabobank.nl',
  'ABN AMRO': 'abnamro.nl',
  UBS: 'ubs.com',
  'JPMorgan Chase': 'jpmorgan.com chase.com',
  'Bank of America': 'bankofamerica.com',
  'Wells Fargo': 'wellsfargo.com',
  Citi: 'citi.com citibank.com',
  'Cathay United Bank': 'cathaybk.com.tw',
  'CTBC Bank': 'ctbcbank.com',
  'E.SUN Bank': 'esunbank.com.tw',
  ICBC: 'icbc.com.cn',
  MUFG: 'mufg.jp',
  SMBC: 'smbc.co.jp',
  // Carriers
  DHL: 'dhl.com dhl.de dhl.fr',
  FedEx: 'fedex.com',
  UPS: 'ups.com',
  USPS: 'usps.com',
  'La Poste': 'laposte.fr laposte.net',
  Chronopost: 'chronopost.fr',
  Colissimo: 'colissimo.fr',
  'Royal Mail': 'royalmail.com',
  PostNL: 'postnl.nl',
  'Deutsche Post': 'deutschepost.de',
  Correos: 'correos.es',
  'Poste Italiane': 'poste.it posteitaliane.it',
  'CTT Correios': 'ctt.pt',
  'SF Express': 'sf-express.com',
  'Japan Post': 'japanpost.jp',
  'Yamato Transport': 'kuronekoyamato.co.jp',
  // Tax and public authorities
  'DGFiP (impots.gouv.fr)': 'impots.gouv.fr',
  'Service Public': 'service-public.fr',
  'Assurance Maladie': 'ameli.fr',
  URSSAF: 'urssaf.fr',
  ANTS: 'ants.gouv.fr',
  FranceConnect: 'franceconnect.gouv.fr',
  IRS: 'irs.gov',
  'Social Security Administration': 'ssa.gov',
  HMRC: 'hmrc.gov.uk',
  ELSTER: 'elster.de',
  'Agencia Tributaria': 'agenciatributaria.es agenciatributaria.gob.es',
  'Agenzia delle Entrate': 'agenziaentrate.gov.it',
  'Portal das Finanças': 'portaldasfinancas.gov.pt',
  Belastingdienst: 'belastingdienst.nl',
  'National Taxation Bureau (Taiwan)': 'etax.nat.gov.tw',
  'National Tax Agency (Japan)': 'nta.go.jp',
  'State Taxation Administration (China)': 'chinatax.gov.cn',
  'Canada Revenue Agency': 'cra-arc.gc.ca',
  'Australian Taxation Office': 'ato.gov.au',
  'European Union': 'europa.eu',
};

export function wellKnownBrands(): ProtectedDomain[] {
  return Object.entries(BRANDS).flatMap(([owner, domains]) =>
    domains.split(' ').map((domain) => ({ domain, kind: 'brand' as const, owner })),
  );
}

/** Free mailbox providers: anyone can get an address there, so they prove no affiliation. */
const FREEMAIL = new Set(
  `gmail.com googlemail.com yahoo.com yahoo.fr yahoo.co.uk yahoo.de yahoo.es yahoo.it yahoo.co.jp
  yahoo.com.tw ymail.com outlook.com outlook.fr hotmail.com hotmail.fr hotmail.co.uk hotmail.de
  hotmail.it hotmail.es live.com live.fr live.co.uk msn.com aol.com aol.fr icloud.com me.com mac.com
  gmx.com gmx.de gmx.net gmx.fr gmx.at web.de t-online.de freenet.de mail.com email.com mail.ru
  inbox.ru list.ru bk.ru rambler.ru yandex.ru yandex.com protonmail.com protonmail.ch proton.me
  pm.me tutanota.com tuta.io zoho.com zohomail.com orange.fr wanadoo.fr free.fr sfr.fr neuf.fr
  laposte.net libero.it virgilio.it tiscali.it alice.it qq.com foxmail.com 163.com 126.com
  yeah.net sina.com sina.cn sohu.com naver.com daum.net hanmail.net rediffmail.com seznam.cz wp.pl
  o2.pl interia.pl onet.pl terra.com.br bol.com.br uol.com.br ig.com.br hinet.net yahoo.com.hk`
    .split(/\s+/)
    .filter((d) => d !== ''),
);

export function isFreemail(registrableDomain: string): boolean {
  return FREEMAIL.has(registrableDomain.toLowerCase());
}

/** URL shorteners: the link hides where it goes. */
const SHORTENERS = new Set(
  `bit.ly bitly.com tinyurl.com t.co goo.gl ow.ly is.gd v.gd buff.ly rebrand.ly cutt.ly shorturl.at
  tiny.cc rb.gy s.id t.ly bl.ink lnkd.in shorte.st adf.ly qrco.de bit.do x.co soo.gd clck.ru
  reurl.cc pse.is lihi.cc lihi1.cc url.cn dwz.cn t.cn tinyurl.hu short.io shorturl.com urlz.fr
  tiny.one surl.li`
    .split(/\s+/)
    .filter((d) => d !== ''),
);

export function isShortener(host: string): boolean {
  return SHORTENERS.has(host.toLowerCase().replace(/^www\./, ''));
}
