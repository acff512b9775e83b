/**
 * Words that lookalike domains add to a real name to make it read like an official service
 * ("paypal-secure-login", "acme-factures", "impots-gouv-remboursement"). A protected name plus
 * only such words is a lookalike; a protected name plus any other word ("debian-handbook") is
 * left alone, which keeps unrelated real names that share a prefix apart.
 */
const WORDS = `
www web online site email webmail portal cloud
secure security safe verify verification verified confirm confirmation validate validation auth
login logon signin signon sso access account accounts acct my mon mein mio meu
support help helpdesk service services servicedesk care desk team staff admin
billing bill bills invoice invoices pay payment payments paiement pagos pago pagamento
pagamentos zahlung betaling refund refunds remboursement rechnung factura facturas fattura
fatture fatura faturas factuur facture factures compta finance finances bank banking banque
bancaire banco bancario transfer wire tax taxes impot impots gouv gov govt official officiel
update updates upgrade alert alerts notice notification notifications message messages
customer customers client clients user users member members partner partners supplier
suppliers vendor vendors fournisseur fournisseurs
group groupe gruppe grupo gruppo corp corporate company compagnie
intl international global europe france deutschland espana italia portugal nederland usa
shop store order orders delivery livraison shipping shipment tracking track parcel colis
express dispatch
docs document documents files share sharing drive download storage
office outlook teams
bonus reward rewards gift prize promo claim lucky
`;

export const LURE_WORD_LIST: readonly string[] = [...new Set(WORDS.split(/\s+/).filter((w) => w !== ''))];
