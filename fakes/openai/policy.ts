// The fake model and the merchant's policies (issue 18): which policy topics a question is about (the
// understanding call's `topics`, in the six languages), an answer taken word for word from the `<knowledge>`
// block of the draft prompt, and, on request, a delivery time it invents (for tests of the answer check).
import type { KnowledgeContextPassage } from '../../lib/ai/merchant-context.js';
import type { QuestionTopic } from '../../lib/agent/knowledge-topics.js';
import { fold } from './language.js';

// Patterns run on folded text (lower case, no accents) with punctuation turned into spaces.
const TOPIC_PATTERNS: Array<[QuestionTopic, RegExp]> = [
  ['shipping', /\b(ship\w*|deliver\w*|dispatch\w*|postage|courier|arriv\w*|envio\w*|envia\w*|entreg\w*|llega\w*|tarda\w*|frete|chega\w*|versand\w*|liefer\w*|zustell\w*|livraison\w*|livr\w*|expedi\w*|spedi\w*|consegn\w*)\b/],
  ['returns', /\b(return\w*|refund\w*|exchang\w*|devolu\w*|devolv\w*|reembols\w*|troca\w*|ruckgabe\w*|rucksend\w*|umtausch\w*|erstatt\w*|retour\w*|rembours\w*|echang\w*|reso|resi|rimbors\w*|restitu\w*)\b/],
  ['payments', /\b(pay|paying|payment\w*|paypal|credit card|debit card|cash|bank transfer|pago\w*|pagar|tarjeta\w*|efectivo|pagamento\w*|cartao|boleto|pix|zahl\w*|bezahl\w*|uberweisung|paiement\w*|payer|carte bancaire|especes|virement|pagament\w*|contanti|bonifico)\b/],
  ['hours', /\b(opening hours|open|opens|closed|closing|hours|horario\w*|abren|abiert\w*|cierran|aberto|abrem|fecham|offnungszeit\w*|geoffnet|horaires|ouvert\w*|ferme\w*|orari\w*|aperti|aperto|chiuso)\b/],
  ['address', /\b(address|where are you|located|location|pick ?up|direccion|donde estan|ubicacion|endereco|onde fica\w*|adresse|wo sind sie|abholen|ou etes vous|indirizzo|dove siete)\b/],
];

function patternText(text: string): string {
  return fold(text).replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** The policy topics a customer's text is about, in a fixed order. */
export function questionTopics(text: string): QuestionTopic[] {
  const t = patternText(text);
  return TOPIC_PATTERNS.filter(([, re]) => re.test(t)).map(([topic]) => topic);
}

const FILLER = new Set(
  'a an the and or of for to in on at is are am be do does did you your we i me my it its this that what which how can could would will there here with about please my our us'.split(' '),
);

function words(text: string): Set<string> {
  return new Set(
    patternText(text)
      .split(' ')
      .map((w) => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w))
      .filter((w) => w.length > 1 && !FILLER.has(w)),
  );
}

function sentences(text: string): string[] {
  return text.split(/(?<=[.!?])\s+|\n+/).map((s) => s.trim()).filter(Boolean);
}

/**
 * The sentence of the knowledge passages that best answers the question, word for word: most words shared
 * with the question (a passage on the question's topic counts one more; an FAQ whose question matches gives
 * its whole answer). Null when nothing relates.
 */
export function knowledgeAnswer(question: string, passages: readonly KnowledgeContextPassage[]): string | null {
  const asked = words(question);
  const topics = new Set<string>(questionTopics(question));
  let best: { text: string; score: number } | null = null;
  for (const passage of passages) {
    const onTopic = topics.has(passage.topic) ? 1 : 0;
    if (passage.kind === 'faq') {
      const shared = [...words(passage.title)].filter((w) => asked.has(w)).length;
      if (shared >= 2 && (!best || shared + onTopic > best.score)) best = { text: passage.text.trim(), score: shared + onTopic };
      continue;
    }
    for (const sentence of sentences(passage.text)) {
      const shared = [...words(sentence)].filter((w) => asked.has(w)).length;
      // A fact (a number) beats a heading on the same topic when no word is shared.
      const score = shared + onTopic + (/\d/.test(sentence) ? 0.1 : 0);
      if (shared + onTopic > 0 && (!best || score > best.score)) best = { text: sentence, score };
    }
  }
  return best?.text ?? null;
}

/** What an "inventing" model writes: every delivery time or return window moved by a week, or one made up. */
export function inventDurations(answer: string): string {
  let changed = false;
  const out = answer.replace(/(\d+)(\s*[-–]\s*(\d+))?(\s*(?:business |working )?(?:days?|weeks?|hours?))/g, (_m, a: string, range: string | undefined, b: string | undefined, unit: string) => {
    changed = true;
    return `${Number(a) + 7}${range && b ? `-${Number(b) + 7}` : ''}${unit}`;
  });
  return changed ? out : `${answer}\nDelivery takes 1-2 business days.`.trim();
}
