// Money as written in text, shared by the answer check (a price stated in a reply) and the policy check (a fee
// stated in the merchant's policies): an amount with a symbol ($, €, £, ¥, ₹, R$), an ISO code before or after
// (USD 19.90, 19.90 usd) or a currency word (19 dollars, 8 euros).

const SYMBOL_CURRENCY: Record<string, string> = { '€': 'EUR', '£': 'GBP', '¥': 'JPY', '₹': 'INR', R$: 'BRL' };
export const AMOUNT = String.raw`\d{1,3}(?:[,.]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?`;
/** Only real ISO 4217 codes count, so "12 PCS" or "3 new" is not mistaken for money. */
const ISO_CODES = new Set(Intl.supportedValuesOf('currency'));
const WORD_CURRENCY = String.raw`[Dd]ollars?|[Ee]uros?|[Pp]ounds?|[Rr]eais|[Pp]esos?|[Ff]rancs?|[Yy]en`;
/**
 * Codes written in lower case count only for the common ones: "all 3 colours", "top 5" or "cup 2" must not
 * read as Albanian lek, Tongan paʻanga or Cuban pesos (codes in upper case always count).
 */
const LOWER_CODES = String.raw`usd|eur|gbp|brl|mxn|jpy|inr|cad|aud|chf|ars|clp|cop`;
const MONEY = new RegExp(
  [
    String.raw`(?<sym1>R\$|[$€£¥₹])\s?(?<amt1>${AMOUNT})`,
    String.raw`(?<amt2>${AMOUNT})\s?(?<sym2>R\$|[$€£¥₹])`,
    String.raw`\b(?<code1>[A-Z]{3}|${LOWER_CODES})\s?(?<amt3>${AMOUNT})(?![\d])`,
    String.raw`(?<amt4>${AMOUNT})\s?(?<code2>[A-Z]{3}|${LOWER_CODES}|${WORD_CURRENCY})\b`,
  ].join('|'),
  // Case-sensitive on purpose: an upper-case code always counts, a lower-case one only from LOWER_CODES.
  'gu',
);

export interface Money {
  amount: number;
  /** ISO code, '$' (any dollar), 'PESO' or 'FRANC'. */
  currency: string;
  text: string;
  /** Where it starts in the text. */
  at: number;
  length: number;
}

/** Every amount written with a currency, in order. */
export function moneyIn(text: string): Money[] {
  const out: Money[] = [];
  for (const m of text.matchAll(MONEY)) {
    const g = m.groups!;
    const symbol = g.sym1 ?? g.sym2 ?? null;
    const code = g.code1 ?? g.code2 ?? null;
    const currency = symbol ? currencyOf(symbol) : code ? currencyOf(code) : undefined;
    // A three-letter word that is not a currency ("for", "and", "now") makes this notation no money.
    if (currency === undefined) continue;
    out.push({ amount: parseAmount(g.amt1 ?? g.amt2 ?? g.amt3 ?? g.amt4!), currency, text: m[0].trim(), at: m.index, length: m[0].length });
  }
  return out;
}

/** A currency as stated (null: none stated) matches an actual one; "$" is any dollar-like currency. */
export function sameCurrency(stated: string | null, actual: string): boolean {
  if (stated === null || stated === actual) return true;
  const dollarLike = (c: string) => c === '$' || c.endsWith('D') || c === 'MXN';
  // "$" is ambiguous (USD, CAD, AUD, MXN…): any dollar-like currency matches it.
  return (stated === '$' && dollarLike(actual)) || (actual === '$' && dollarLike(stated));
}

/** The currency a symbol, code or word names; undefined when it names none (so it is not money). */
function currencyOf(token: string): string | undefined {
  if (token === '$') return '$';
  const known = SYMBOL_CURRENCY[token];
  if (known) return known;
  const lower = token.toLowerCase();
  if (lower.startsWith('dollar')) return '$';
  if (lower.startsWith('euro')) return 'EUR';
  if (lower.startsWith('pound')) return 'GBP';
  if (lower === 'reais' || lower === 'real') return 'BRL';
  if (lower === 'yen') return 'JPY';
  if (lower.startsWith('peso') || lower.startsWith('franc')) return lower.startsWith('peso') ? 'PESO' : 'FRANC';
  const upper = token.toUpperCase();
  return /^[A-Z]{3}$/.test(upper) && ISO_CODES.has(upper) ? upper : undefined;
}

export function parseAmount(raw: string): number {
  // "1,299.00" (comma thousands), "1.299,00" (dot thousands, decimal comma), "12,50" (decimal comma),
  // "19.990" (a price with three decimals: a dot is a decimal point unless a comma follows it).
  if (/^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(raw)) return Number(raw.replace(/,/g, ''));
  if (/^\d{1,3}(?:\.\d{3})+,\d+$/.test(raw)) return Number(raw.replace(/\./g, '').replace(',', '.'));
  return Number(raw.replace(',', '.'));
}
