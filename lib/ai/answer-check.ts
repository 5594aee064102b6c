// The answer checker: a model may only state what the catalog says. Every claim about money in a reply is
// found and tied to the one product it is said about, and must be that product's price:
//  - amounts in any notation: a symbol ($, €, £, ¥, ₹, R$), an ISO code before or after (USD 19.90,
//    19.90 usd), a currency word (19 dollars, 8 euros), or a bare number where a price is being stated
//    ("it costs 19", "cuesta 19", "for 19");
//  - "free" (and its translations) is a price of zero;
//  - a discount (a percentage off, "20% off", "discount", "sale", "2 for 1"…) is a claim the catalog never
//    makes, so it is never verified;
//  - each amount belongs to the product named nearest before it in the same sentence (else the nearest
//    after it, else the one product of the sentence before): "the Mug costs 19.90 USD and the T-shirt
//    8.00 EUR" with the two prices swapped is caught.
// An SKU quoted must be a retrieved product's. Anything that cannot be verified fails the check, and the
// reply is regenerated once, then replaced by the safe answer (activities/openai.ts).
// The merchant's policies extend it (policy-check.ts): a delivery time, fee or return window must be in them.
import type { CatalogContextProduct } from './catalog-context.js';
import { AMOUNT, moneyIn, parseAmount, sameCurrency } from './money.js';
import { policyFacts, policyStatesFee, policyStatesText, unstatedDurations, type PolicyText } from './policy-check.js';

export interface AnswerCheck {
  ok: boolean;
  /** Human-readable reasons, fed back to the model when regenerating. */
  problems: string[];
}

/** Words after which a bare number is a price ("costs 19", "cuesta 19", "for 19"), in the languages we answer in. */
// Only unmistakable price words: "for 2 people", "at 5pm" or "only 3 left" are not prices.
const PRICE_CUE = String.raw`(?:costs?|priced at|price(?: is)?|for only|for just|cuesta|cuestan|precio(?: es)?|custa|custam|preço(?: é)?|kostet|kosten|preis(?: ist)?|coûte|coûtent|prix(?: est)?|costa|costano|prezzo(?: è)?)`;
const BARE_PRICE = new RegExp(String.raw`\b${PRICE_CUE}\s*:?\s*(?<amt>${AMOUNT})(?![\d%])(?!\s?(?:%|percent|por ciento|prozent|pour ?cent|per cento))`, 'giu');
const FREE = /\b(?:free(?: of charge)?|for nothing|no charge|gratis|gratuit[oe]?s?|grátis|kostenlos|umsonst|sin costo|sem custo)\b/giu;
// Offers the catalog never states (a percentage alone is fine: "100% cotton" is a description).
const DISCOUNT = new RegExp(
  String.raw`\d+(?:[.,]\d+)?\s?(?:%|percent)\s?off\b|\b(?:discount(?:s|ed)?|on sale|promo(?:tion)? codes?|coupons?|vouchers?|half price|bogo|\d\s?(?:for|x|por|für|pour|per)\s?\d|descuentos?|rebajad[oa]s?|en oferta|desconto|promoção|rabatt|im angebot|reduziert|réduction|remise|soldes|sconto|saldi|in offerta)\b`,
  'giu',
);
const SKU = /\bSKU\s*(?:#|:|no\.?|number)?\s*([A-Za-z0-9][A-Za-z0-9._/-]*)/gi;

interface Claim {
  /** A price claim (null amount: a discount, which no catalog states). */
  amount: number | null;
  currency: string | null;
  text: string;
  /** Where in the sentence it stands, to find the product it is said about. */
  at: number;
}

export function checkAnswer(answer: string, catalog: readonly CatalogContextProduct[], policies: readonly PolicyText[] = []): AnswerCheck {
  const problems: string[] = [];
  const bySku = new Map(catalog.map((p) => [p.sku.toLowerCase(), p]));
  const catalogText = fold(catalog.map((p) => `${p.name} ${p.description ?? ''}`).join('\n'));
  // No policies: every delivery time or return window stated fails, as a price without a product does.
  const facts = policyFacts(policies, catalog.map((p) => p.description ?? '').join('\n'));

  for (const match of answer.matchAll(SKU)) {
    const sku = match[1]!.replace(/[._/-]+$/, '');
    if (!bySku.has(sku.toLowerCase())) problems.push(`SKU ${sku} is not in the catalog.`);
  }

  let previous: CatalogContextProduct[] = [];
  for (const sentence of sentences(answer)) {
    const named = mentionsIn(sentence, catalog);
    for (const claim of claimsIn(sentence, catalogText)) {
      if (claim.amount === null) {
        if (policyStatesText(facts, claim.text)) continue;
        problems.push(`"${claim.text}" states a discount or offer; the catalog has none. Do not mention discounts or offers.`);
        continue;
      }
      const product = productFor(claim.at, named) ?? (previous.length === 1 ? previous[0]! : null);
      // A delivery or return fee (or "free shipping") is the policies' to state, not a product's price.
      if (policyStatesFee(facts, sentence, claim.at, claim.amount, claim.currency)) continue;
      if (!product) {
        problems.push(`${claim.text} is not tied to any catalog product.`);
      } else if (!samePrice(claim, product)) {
        problems.push(`${claim.text} does not match the catalog (${product.name} costs ${product.price} ${product.currency}).`);
      }
    }
    problems.push(...unstatedDurations(sentence, facts));
    const distinct = [...new Set(named.map((m) => m.product))];
    if (distinct.length > 0) previous = distinct;
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

interface Mention {
  product: CatalogContextProduct;
  /** Where the product's name (or SKU) ends in the sentence. */
  end: number;
  start: number;
}

function mentionsIn(sentence: string, catalog: readonly CatalogContextProduct[]): Mention[] {
  const s = fold(sentence);
  const out: Mention[] = [];
  for (const product of catalog) {
    for (const needle of [fold(product.name), fold(product.sku)]) {
      if (!needle) continue;
      for (let i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) out.push({ product, start: i, end: i + needle.length });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/** The product a claim at `at` is said about: named nearest before it, else nearest after it. */
function productFor(at: number, mentions: readonly Mention[]): CatalogContextProduct | null {
  const before = mentions.filter((m) => m.end <= at);
  if (before.length > 0) return before.reduce((best, m) => (m.end > best.end ? m : best)).product;
  const after = mentions.filter((m) => m.start >= at);
  return after.length > 0 ? after[0]!.product : null;
}

/** Every money and discount claim in a sentence, each once (overlapping notations of the same amount merged). */
function claimsIn(sentence: string, catalogText: string): Claim[] {
  const claims: Claim[] = [];
  const taken: Array<[number, number]> = [];
  const add = (claim: Claim, length: number) => {
    if (taken.some(([from, to]) => claim.at < to && claim.at + length > from)) return;
    taken.push([claim.at, claim.at + length]);
    claims.push(claim);
  };
  for (const m of moneyIn(sentence)) add({ amount: m.amount, currency: m.currency, text: m.text, at: m.at }, m.length);
  for (const m of sentence.matchAll(BARE_PRICE)) {
    const amountAt = m.index + m[0].lastIndexOf(m.groups!.amt!);
    add({ amount: parseAmount(m.groups!.amt!), currency: null, text: m[0].trim(), at: amountAt }, m.groups!.amt!.length);
  }
  for (const m of sentence.matchAll(FREE)) add({ amount: 0, currency: null, text: m[0], at: m.index }, m[0].length);
  for (const m of sentence.matchAll(DISCOUNT)) {
    // A product literally called "Discount Bundle" (or described so) may be named.
    if (!catalogText.includes(fold(m[0]))) claims.push({ amount: null, currency: null, text: m[0], at: m.index });
  }
  return claims;
}

function samePrice(claim: Claim, product: CatalogContextProduct): boolean {
  if (claim.amount === null || Math.abs(claim.amount - Number(product.price)) > 0.0001) return false;
  return sameCurrency(claim.currency, product.currency);
}

function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
