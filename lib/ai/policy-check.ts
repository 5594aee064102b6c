// The answer check's policy half: a delivery time, a fee or a return window stated in a reply must be what the
// merchant's policy on that topic says (the knowledge passages the model was shown), as a product's price must
// be the catalog's. Claims are read per topic, on accent-folded text, in six languages:
//  - a claim's topic is that of the nearest delivery or returns word before it in its sentence ("You can
//    return it within 30 days of delivery" is a return window); with none before it, a sentence that speaks of
//    returns at all is about returns, else about delivery;
//  - delivery claims are checked against the shipping policy, return claims against the returns policy
//    (passages filed under another topic — "other", an FAQ on hours — count sentence by sentence, read the
//    same way as a claim); a product's own description may state its own durations ("ships in 2 weeks");
//  - durations: a number or a range with a unit ("3-5 business days", "within 30 days", "48 h", "2 Wochen").
//    A range matches only the same range ("1-3 days" is not "1 day" plus "3-5 days"), a single number only
//    the same single number;
//  - fees: an amount the catalog does not give a named product (answer-check.ts asks `policyStatesFee`) must
//    be written with a currency in the shipping or payments policy (return fees: returns or payments), so
//    "30 USD" is not backed by "30 days"; "free" must be said in the policy of the claim's topic.
// Numbers written as words ("two weeks") are not read: such a reply passes unchecked (README: answer check).
import type { KnowledgeTopic } from '../agent/knowledge-topics.js';
import { moneyIn, sameCurrency, type Money } from './money.js';

/** A passage the model was shown, with the topic its document is filed under. */
export interface PolicyText {
  topic: KnowledgeTopic;
  text: string;
}

/** What a delivery-or-returns claim is about. */
export type ClaimTopic = 'delivery' | 'returns';

const DELIVERY_WORDS = String.raw`deliver\w*|ship\w*|dispatch\w*|arriv\w*|postage|courier|envio\w*|entreg\w*|llega\w*|frete|chega\w*|versand\w*|liefer\w*|zustell\w*|livraison\w*|livr\w*|expedi\w*|spedi\w*|consegn\w*`;
const RETURN_WORDS = String.raw`return\w*|refund\w*|exchang\w*|devoluc\w*|devolv\w*|reembols\w*|cambio\w*|troca\w*|ruckgabe\w*|rucksend\w*|erstatt\w*|umtausch\w*|retour\w*|rembours\w*|echange\w*|reso|resi|rimbors\w*`;
/** Words that make a sentence a statement about delivery, shipping, returns or refunds. */
const POLICY_CONTEXT = new RegExp(String.raw`\b(?:${DELIVERY_WORDS}|${RETURN_WORDS})\b`);
const TOPIC_WORD = new RegExp(String.raw`\b(?:(?<delivery>${DELIVERY_WORDS})|(?<returns>${RETURN_WORDS}))\b`, 'g');
const RETURN_WORD = new RegExp(String.raw`\b(?:${RETURN_WORDS})\b`);
const DELIVERY_WORD = new RegExp(String.raw`\b(?:${DELIVERY_WORDS})\b`);
/** Where a clause ends: a comma, semicolon, colon or a conjunction (not the "and" of "3 and 5 days"). */
const CLAUSE_BREAK = /[,;:]\s*|(?<!\d)\s+(?:and|but|while|y|pero|e|mas|und|aber|et|mais|ma)\s+(?!\d)/g;

const UNIT_FAMILIES: Array<[RegExp, Unit]> = [
  [/^(?:hours?|hrs?|h|horas?|stunden?|heures?|ore|ora)$/, 'hour'],
  [/^(?:days?|dias?|tage?n?|werktage?n?|jours?|giorni|giorno)$/, 'day'],
  [/^(?:weeks?|semanas?|wochen?|semaines?|settimane?|settimana)$/, 'week'],
  [/^(?:months?|mes|meses|monate?n?|mois|mesi|mese)$/, 'month'],
];
type Unit = 'hour' | 'day' | 'week' | 'month';

const NUMBER = String.raw`\d+(?:[.,]\d+)?`;
// "3-5 days", "3 to 5 days", "between 3 and 5 days", "30-day window", "3 a 5 dias", "3 bis 5 Tage".
const DURATION = new RegExp(
  String.raw`(${NUMBER})(?:\s*(?:-|–|—|to|and|a|y|e|bis|und|au|et|al|ate|or|o|ou|oder)\s*(${NUMBER}))?\s*-?\s*(?:business |working |calendar )?` +
    String.raw`(hours?|hrs?|h|horas?|stunden?|heures?|ore|ora|days?|dias?|tage?n?|werktage?n?|jours?|giorni|giorno|weeks?|semanas?|wochen?|semaines?|settimane?|settimana|months?|meses|mes|monate?n?|mois|mesi|mese)\b`,
  'g',
);
const FREE = /\b(?:free(?: of charge)?|no charge|gratis|gratuit\w*|kostenlos|umsonst|sin costo|sem custo)\b/g;

/** What the policies state on one topic. */
interface TopicFacts {
  /** Durations as "unit:n" or "unit:from-to" ("day:3-5"). */
  durations: Set<string>;
  /** Amounts written with a currency. */
  fees: Money[];
  free: boolean;
}

export interface PolicyFacts {
  delivery: TopicFacts;
  returns: TopicFacts;
  /** Durations the products' own descriptions state, accepted on either topic. */
  productDurations: Set<string>;
  /** The folded policy text, for offers stated word for word. */
  text: string;
}

export function policyFacts(policies: readonly PolicyText[], catalogDescriptions = ''): PolicyFacts {
  const facts: PolicyFacts = {
    delivery: { durations: new Set(), fees: [], free: false },
    returns: { durations: new Set(), fees: [], free: false },
    productDurations: new Set(durationsIn(fold(catalogDescriptions)).map((d) => d.key)),
    text: fold(policies.map((p) => p.text).join('\n')),
  };
  for (const policy of policies) {
    if (policy.topic === 'payments') {
      // How one pays: its fees ("cash on delivery costs 2 EUR") may be quoted on either topic.
      const fees = moneyIn(policy.text);
      facts.delivery.fees.push(...fees);
      facts.returns.fees.push(...fees);
      continue;
    }
    const filed: ClaimTopic | null = policy.topic === 'shipping' ? 'delivery' : policy.topic === 'returns' ? 'returns' : null;
    for (const sentence of sentences(policy.text)) {
      const folded = fold(sentence);
      // A passage on another topic states delivery or return terms only in sentences about them.
      if (!filed && !POLICY_CONTEXT.test(folded)) continue;
      for (const d of durationsIn(folded)) facts[filed ?? topicAt(folded, d.at)].durations.add(d.key);
      for (const m of moneyIn(sentence)) facts[filed ?? topicAt(folded, m.at)].fees.push(m);
      for (const m of folded.matchAll(FREE)) facts[filed ?? topicAt(folded, m.index)].free = true;
    }
  }
  return facts;
}

/**
 * Is this sentence a statement about delivery or returns (so an amount in it may be their fee)? A bare "costs"
 * is not enough: "the mug costs 4.90" must stay the catalog's to check.
 */
export function isPolicySentence(sentence: string): boolean {
  return POLICY_CONTEXT.test(fold(sentence));
}

/**
 * The policies state this fee, said at `at` in `sentence` (0 is "free"): an amount written with a currency in
 * the policy of the claim's topic (or the payments policy), in the claim's currency when it names one.
 */
export function policyStatesFee(facts: PolicyFacts, sentence: string, at: number, amount: number, currency: string | null): boolean {
  const folded = fold(sentence);
  if (!POLICY_CONTEXT.test(folded)) return false;
  const topic = facts[topicAt(folded, at)];
  if (amount === 0 && topic.free) return true;
  return topic.fees.some((fee) => Math.abs(fee.amount - amount) < 0.0001 && sameCurrency(currency, fee.currency));
}

/** The policies state this offer word for word ("10% off your first order"). */
export function policyStatesText(facts: PolicyFacts, claim: string): boolean {
  const needle = fold(claim).trim();
  return needle.length > 0 && facts.text.includes(needle);
}

/** Durations in a policy sentence that the policy on their topic (or the products' descriptions) does not state. */
export function unstatedDurations(sentence: string, facts: PolicyFacts): string[] {
  const s = fold(sentence);
  if (!POLICY_CONTEXT.test(s)) return [];
  const problems: string[] = [];
  for (const d of durationsIn(s)) {
    const topic = topicAt(s, d.at);
    if (facts[topic].durations.has(d.key) || facts.productDurations.has(d.key)) continue;
    const what = topic === 'delivery' ? 'as a delivery time (shipping policy)' : 'as a return window (returns policy)';
    problems.push(`"${d.text}" is not in the shop's policies ${what}. State delivery times, fees and return windows only as the policies give them, or say you will check.`);
  }
  return problems;
}

/**
 * The topic of a claim at `at` in a folded sentence. First within its clause (the stretch between commas,
 * semicolons and conjunctions), then within the whole sentence: the last delivery or returns word before
 * the claim; with none, returns if the stretch speaks of returns, delivery if it speaks of delivery.
 * "Orders ship in 1 day and you have 30 days to return them": 1 day is delivery, 30 days returns.
 */
function topicAt(folded: string, at: number): ClaimTopic {
  const breaks = [...folded.matchAll(CLAUSE_BREAK)];
  const from = breaks.filter((b) => b.index + b[0].length <= at).reduce((end, b) => Math.max(end, b.index + b[0].length), 0);
  const to = breaks.find((b) => b.index >= at)?.index ?? folded.length;
  return topicIn(folded.slice(from, at), folded.slice(from, to)) ?? topicIn(folded.slice(0, at), folded) ?? 'delivery';
}

function topicIn(before: string, stretch: string): ClaimTopic | null {
  let topic: ClaimTopic | null = null;
  for (const m of before.matchAll(TOPIC_WORD)) topic = m.groups!.delivery ? 'delivery' : 'returns';
  return topic ?? (RETURN_WORD.test(stretch) ? 'returns' : DELIVERY_WORD.test(stretch) ? 'delivery' : null);
}

function durationsIn(folded: string): Array<{ key: string; text: string; at: number }> {
  const out: Array<{ key: string; text: string; at: number }> = [];
  for (const m of folded.matchAll(DURATION)) {
    const unit = UNIT_FAMILIES.find(([re]) => re.test(m[3]!))?.[1];
    if (!unit) continue;
    const numbers = [m[1]!, m[2]].filter((n): n is string => n !== undefined).map((n) => Number(n.replace(',', '.')));
    out.push({ key: `${unit}:${numbers.join('-')}`, text: m[0].trim(), at: m.index });
  }
  return out;
}

function sentences(text: string): string[] {
  return text.split(/(?<=[.!?])\s+|\n+/).filter((s) => s.trim() !== '');
}

/** Lower case without accents, one character for one: a position in the folded text is one in the original. */
function fold(s: string): string {
  const lower = s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return lower.replace(/\P{ASCII}/gu, (c) => {
    const folded = c.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    return folded.length === c.length ? folded : c;
  });
}
