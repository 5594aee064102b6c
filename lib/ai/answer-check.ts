// The answer checker: a model may only state what the catalog says. Every SKU quoted must be a retrieved
// product's, and every amount of money must be the price of a product named in the same sentence (or the
// one before it: "The Mug costs 8.00 EUR. The Large one is 9.00 EUR" must name the large one). A price that
// cannot be tied to a named catalog product is treated as invented, because that is what a hallucinated
// product name looks like from the outside.
import type { CatalogContextProduct } from './catalog-context.js';

export interface AnswerCheck {
  ok: boolean;
  /** Human-readable reasons, fed back to the model when regenerating. */
  problems: string[];
}

const SYMBOL_CURRENCY: Record<string, string> = { '€': 'EUR', '£': 'GBP', '¥': 'JPY', '₹': 'INR', R$: 'BRL' };
const AMOUNT = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?`;
/** Only real ISO 4217 codes count, so "12 PCS" or "3 new" is not mistaken for money. */
const ISO_CODES = new Set(Intl.supportedValuesOf('currency'));
const MONEY = new RegExp(
  String.raw`(R\$|[$€£¥₹])\s?(${AMOUNT})|(${AMOUNT})\s?(R\$|[$€£¥₹]|[A-Z]{3}\b|[Dd]ollars?\b|[Ee]uros?\b|[Pp]ounds?\b)`,
  'gu',
);
const SKU = /\bSKU\s*(?:#|:|no\.?|number)?\s*([A-Za-z0-9][A-Za-z0-9._/-]*)/gi;

interface Money {
  amount: number;
  currency: string | null;
  text: string;
}

export function checkAnswer(answer: string, catalog: readonly CatalogContextProduct[]): AnswerCheck {
  const problems: string[] = [];
  const bySku = new Map(catalog.map((p) => [p.sku.toLowerCase(), p]));

  for (const match of answer.matchAll(SKU)) {
    const sku = match[1]!.replace(/[._/-]+$/, '');
    if (!bySku.has(sku.toLowerCase())) problems.push(`SKU ${sku} is not in the catalog.`);
  }

  let previous: CatalogContextProduct[] = [];
  for (const sentence of sentences(answer)) {
    const named = catalog.filter((p) => mentions(sentence, p));
    const candidates = named.length > 0 ? named : previous;
    for (const money of moneyIn(sentence)) {
      if (candidates.length === 0) {
        problems.push(`${money.text} is not tied to any catalog product.`);
      } else if (!candidates.some((p) => samePrice(money, p))) {
        const names = candidates.map((p) => `${p.name} costs ${p.price} ${p.currency}`).join('; ');
        problems.push(`${money.text} does not match the catalog (${names}).`);
      }
    }
    if (named.length > 0) previous = named;
  }
  return { ok: problems.length === 0, problems: [...new Set(problems)] };
}

/** What goes out when no checked answer is available: honest, and it promises a person. */
export function fallbackAnswer(tenantName: string): string {
  return `Thanks for your message! I can't confirm the details right now, so someone from ${tenantName} will get back to you shortly.`;
}

function sentences(text: string): string[] {
  // A full stop followed by a space ends a sentence; "19.90" and "No. 5" style dots inside do not.
  return text.split(/(?<=[.!?])\s+|\n+/).filter((s) => s.trim() !== '');
}

function mentions(sentence: string, product: CatalogContextProduct): boolean {
  const s = fold(sentence);
  return s.includes(fold(product.name)) || s.includes(fold(product.sku));
}

function moneyIn(sentence: string): Money[] {
  const out: Money[] = [];
  for (const m of sentence.matchAll(MONEY)) {
    const symbol = m[1] ?? m[4] ?? null;
    if (symbol && /^[A-Z]{3}$/.test(symbol) && !ISO_CODES.has(symbol)) continue;
    const raw = m[2] ?? m[3]!;
    out.push({ amount: parseAmount(raw), currency: currencyOf(symbol), text: m[0].trim() });
  }
  return out;
}

function samePrice(money: Money, product: CatalogContextProduct): boolean {
  if (Math.abs(money.amount - Number(product.price)) > 0.0001) return false;
  if (money.currency === null) return true;
  // "$" is ambiguous (USD, CAD, AUD, MXN…): any dollar-like currency matches it.
  if (money.currency === '$') return product.currency.endsWith('D') || product.currency === 'MXN';
  return money.currency === product.currency;
}

function currencyOf(symbol: string | null): string | null {
  if (symbol === null) return null;
  const lower = symbol.toLowerCase();
  if (symbol === '$' || lower.startsWith('dollar')) return '$';
  if (lower.startsWith('euro')) return 'EUR';
  if (lower.startsWith('pound')) return 'GBP';
  return SYMBOL_CURRENCY[symbol] ?? symbol.toUpperCase();
}

function parseAmount(raw: string): number {
  // "1,299.00" (thousands) vs "12,50" (decimal comma): a comma followed by exactly three digits is thousands.
  if (/,\d{3}(?:\.|$)/.test(raw)) return Number(raw.replace(/,/g, ''));
  return Number(raw.replace(',', '.'));
}

function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
