// The answer check's policy half: a delivery time, a fee or a return window stated in a reply must appear in
// the merchant's policies (the knowledge passages the model was shown), as the catalog's prices must. Found
// in sentences about delivery, shipping, returns or refunds (six languages), on accent-folded text:
//  - durations: a number or range with a unit ("3-5 business days", "within 30 days", "48 h", "2 Wochen"),
//    each number must appear with the same unit in the policies (or in a product's own description);
//  - fees: an amount the catalog does not give a named product (answer-check.ts asks `policyStatesAmount`),
//    or "free", must appear in the policies.
// Numbers written as words ("two weeks") are not read: such a reply passes unchecked (README: answer check).

/** Words that make a sentence a statement about delivery, shipping, returns or refunds. */
const POLICY_CONTEXT =
  /\b(?:deliver\w*|ship\w*|dispatch\w*|arriv\w*|postage|courier|return\w*|refund\w*|exchang\w*|envio\w*|entreg\w*|llega\w*|devoluc\w*|devolv\w*|reembols\w*|cambio\w*|frete|chega\w*|devoluc\w*|troca\w*|versand\w*|liefer\w*|zustell\w*|ruckgabe\w*|rucksend\w*|erstatt\w*|umtausch\w*|livraison\w*|livr\w*|expedi\w*|retour\w*|rembours\w*|echange\w*|spedi\w*|consegn\w*|reso|resi|rimbors\w*)\b/;

const UNIT_FAMILIES: Array<[RegExp, Unit]> = [
  [/^(?:hours?|hrs?|h|horas?|stunden?|heures?|ore|ora)$/, 'hour'],
  [/^(?:days?|dias?|tage?n?|werktage?n?|jours?|giorni|giorno)$/, 'day'],
  [/^(?:weeks?|semanas?|wochen?|semaines?|settimane?|settimana)$/, 'week'],
  [/^(?:months?|mes|meses|monate?n?|mois|mesi|mese)$/, 'month'],
];
type Unit = 'hour' | 'day' | 'week' | 'month';

const NUMBER = String.raw`\d+(?:[.,]\d+)?`;
const DURATION = new RegExp(
  String.raw`(${NUMBER})(?:\s*(?:-|–|—|to|a|bis|au|al|ate|or|o|ou|oder)\s*(${NUMBER}))?\s*(?:business |working |calendar )?` +
    String.raw`(hours?|hrs?|h|horas?|stunden?|heures?|ore|ora|days?|dias?|tage?n?|werktage?n?|jours?|giorni|giorno|weeks?|semanas?|wochen?|semaines?|settimane?|settimana|months?|meses|mes|monate?n?|mois|mesi|mese)\b`,
  'g',
);
const FREE = /\b(?:free(?: of charge)?|no charge|gratis|gratuit\w*|kostenlos|umsonst|sin costo|sem custo)\b/;

export interface PolicyFacts {
  /** Numbers stated with each unit. */
  durations: Map<Unit, Set<number>>;
  /** Every number the policies state (fees, thresholds). */
  amounts: number[];
  free: boolean;
  /** The folded policy text, for offers stated word for word. */
  text: string;
}

export function policyFacts(policies: readonly string[], catalogDescriptions = ''): PolicyFacts {
  const text = fold(policies.join('\n'));
  const durations = new Map<Unit, Set<number>>();
  for (const source of [text, fold(catalogDescriptions)]) {
    for (const d of durationsIn(source)) {
      const set = durations.get(d.unit) ?? new Set<number>();
      d.numbers.forEach((n) => set.add(n));
      durations.set(d.unit, set);
    }
  }
  const amounts = [...text.matchAll(/\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?/g)].map((m) => parseNumber(m[0]));
  return { durations, amounts, free: FREE.test(text), text };
}

/**
 * Is this sentence a statement about delivery or returns (so an amount in it may be their fee)? A bare "costs"
 * is not enough: "the mug costs 4.90" must stay the catalog's to check.
 */
export function isPolicySentence(sentence: string): boolean {
  return POLICY_CONTEXT.test(fold(sentence));
}

/** The policies state this amount (and, when the claim names one, this currency); 0 is "free". */
export function policyStatesAmount(facts: PolicyFacts, amount: number, currency: string | null): boolean {
  if (amount === 0 && facts.free) return true;
  if (!facts.amounts.some((a) => Math.abs(a - amount) < 0.0001)) return false;
  if (currency === null || currency === '$') return true;
  return facts.text.includes(currency.toLowerCase()) || (currency === 'EUR' && facts.text.includes('€')) || (currency === 'GBP' && facts.text.includes('£'));
}

/** The policies state this offer word for word ("10% off your first order"). */
export function policyStatesText(facts: PolicyFacts, claim: string): boolean {
  const needle = fold(claim).trim();
  return needle.length > 0 && facts.text.includes(needle);
}

/** Durations in a policy sentence that the policies (or the products' descriptions) do not state. */
export function unstatedDurations(sentence: string, facts: PolicyFacts): string[] {
  const s = fold(sentence);
  if (!POLICY_CONTEXT.test(s)) return [];
  const problems: string[] = [];
  for (const d of durationsIn(s)) {
    const known = facts.durations.get(d.unit);
    if (!d.numbers.every((n) => known?.has(n))) {
      problems.push(`"${d.text}" is not in the shop's policies. State delivery times, fees and return windows only as the policies give them, or say you will check.`);
    }
  }
  return problems;
}

function durationsIn(folded: string): Array<{ numbers: number[]; unit: Unit; text: string }> {
  const out: Array<{ numbers: number[]; unit: Unit; text: string }> = [];
  for (const m of folded.matchAll(DURATION)) {
    const unit = UNIT_FAMILIES.find(([re]) => re.test(m[3]!))?.[1];
    if (!unit) continue;
    out.push({ numbers: [m[1]!, m[2]].filter((n): n is string => n !== undefined).map(parseNumber), unit, text: m[0].trim() });
  }
  return out;
}

function parseNumber(raw: string): number {
  if (/^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(raw)) return Number(raw.replace(/,/g, ''));
  return Number(raw.replace(',', '.'));
}

function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').replace(/ß/g, 'ss').toLowerCase();
}
