// The fake model's "brain": a pure, deterministic function from chat messages to a reply that is
// grounded in the `<catalog>` block of the system messages. Same messages ⇒ same text, always.
import { parseCatalogContext, type CatalogContextProduct } from '../../lib/ai/catalog-context.js';

export interface FakeChatMessage {
  role: string;
  content: string;
}

export const NO_MATCH_ANSWER = "I couldn't find that in our catalog — could you tell me more?";
export const PARTIAL_MATCH_NOTE = "I couldn't find everything you asked about in our catalog — could you tell me more about the rest?";
export const GREETING_ANSWER = 'Hello! How can I help you today?';

/** Products per question: enough to cover ties ("shirts?") without dumping the whole catalog. */
const MAX_PER_QUESTION = 3;
const NAME_WEIGHT = 3;
const DESCRIPTION_WEIGHT = 1;
const SKU_WEIGHT = 10;
/** At least one name word (or the SKU, or three description words) must match. */
const MIN_SCORE = 3;

const GREETINGS = new Set(
  ('hi hello hey hiya yo there hola buenas buenos dia dias tardes noches bonjour salut bonsoir ola oi bom boa ' +
    'tarde noite good morning afternoon evening day how are you doing all everyone').split(' '),
);

// Filler words of the questions customers ask (en/es/pt/fr) that must not count as product overlap.
const STOPWORDS = new Set(
  ('a an the and or of for to in on at is are am be do does did you your we i me my it its this that these those ' +
    'what which how much many price prices cost costs please any have has want need buy sell get can could would ' +
    'there here stock available still some with about tell know thanks thank hi hello hey ' +
    'el la los las un una unos unas de del y o en por para que cual cuanto cuesta cuestan precio tienen tiene hay ' +
    'quiero necesito comprar disponible favor gracias con es son me mi su ' +
    'o os as um uma e do da dos das em quanto custa preco voces tem quero obrigado ' +
    'le les des du est combien prix vous avez je veux merci')
    .split(' ')
    .map(stem),
);

export function normalize(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** Crude plural folding ("shoes"→"shoe", "boxes"→"box") applied to both sides, so it only needs to be consistent. */
function stem(word: string): string {
  if (word.length > 4 && /(ss|x|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

function words(text: string): string[] {
  return normalize(text).split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
}

function contentWords(text: string): Set<string> {
  return new Set(words(text).map(stem).filter((w) => (w.length > 1 || /\d/.test(w)) && !STOPWORDS.has(w)));
}

/** SKUs compared with punctuation removed, so "ts-001", "TS001" and "TS 001" all hit "TS-001". */
function compact(text: string): string {
  return normalize(text).replace(/[^\p{L}\p{N}]/gu, '');
}

export function isGreetingOnly(text: string): boolean {
  const ws = words(text);
  return ws.length > 0 && ws.every((w) => GREETINGS.has(w));
}

interface IndexedProduct {
  product: CatalogContextProduct;
  name: Set<string>;
  description: Set<string>;
  sku: string;
}

function index(products: CatalogContextProduct[]): IndexedProduct[] {
  return products.map((product) => ({
    product,
    name: contentWords(product.name),
    description: contentWords(product.description ?? ''),
    sku: compact(product.sku),
  }));
}

function score(p: IndexedProduct, question: Set<string>, questionChunks: string[], questionCompact: string): number {
  let s = 0;
  for (const w of question) {
    if (p.name.has(w)) s += NAME_WEIGHT;
    else if (p.description.has(w)) s += DESCRIPTION_WEIGHT;
  }
  // Short SKUs must match a whole chunk; long ones (≥5 chars) may appear anywhere, e.g. "sku:TS-001?".
  if (p.sku && (questionChunks.includes(p.sku) || (p.sku.length >= 5 && questionCompact.includes(p.sku)))) s += SKU_WEIGHT;
  return s;
}

export function bestMatches(question: string, catalog: CatalogContextProduct[]): CatalogContextProduct[] {
  const q = contentWords(question);
  const chunks = question.split(/\s+/).map(compact).filter(Boolean);
  const scored = index(catalog).map((p) => ({ p, s: score(p, q, chunks, compact(question)) }));
  const top = Math.max(0, ...scored.map((x) => x.s));
  if (top < MIN_SCORE) return [];
  // Ties keep catalog order (the retrieval ranking), which keeps the output deterministic.
  return scored.filter((x) => x.s === top).slice(0, MAX_PER_QUESTION).map((x) => x.p.product);
}

export function describeProduct(p: CatalogContextProduct): string {
  let line = `The ${p.name} (SKU ${p.sku}) costs ${p.price} ${p.currency}.`;
  if (p.stock !== undefined) line += p.stock > 0 ? " It's in stock." : " It's currently out of stock.";
  return line;
}

/**
 * The customer's current turn: every user message after the last assistant message (a burst),
 * each line treated as its own question so a burst merged into one message is handled the same.
 */
function currentQuestions(messages: FakeChatMessage[]): string[] {
  let start = 0;
  messages.forEach((m, i) => {
    if (m.role === 'assistant') start = i + 1;
  });
  return messages
    .slice(start)
    .filter((m) => m.role === 'user')
    .flatMap((m) => m.content.split(/\r?\n/))
    .map((l) => l.trim())
    .filter(Boolean);
}

export function answerChat(messages: FakeChatMessage[]): string {
  const catalog = parseCatalogContext(
    messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => m.content).join('\n'),
  );
  const questions = currentQuestions(messages);
  let greeted = false;
  let unmatched = 0;
  const found = new Map<string, CatalogContextProduct>();
  for (const q of questions) {
    if (isGreetingOnly(q)) {
      greeted = true;
      continue;
    }
    const matches = bestMatches(q, catalog);
    if (matches.length === 0) unmatched++;
    for (const p of matches) if (!found.has(p.sku)) found.set(p.sku, p);
  }
  if (found.size === 0 && unmatched === 0) return GREETING_ANSWER;
  const lines: string[] = greeted ? ['Hello!'] : [];
  if (found.size === 0) return [...lines, NO_MATCH_ANSWER].join('\n');
  lines.push(...[...found.values()].map(describeProduct));
  if (unmatched > 0) lines.push(PARTIAL_MATCH_NOTE);
  return lines.join('\n');
}
