// The fake model's "brain": a pure, deterministic function from chat messages to a reply that is
// grounded in the `<catalog>` block of the system messages, written in the language the draft prompt asks
// for (`Customer language: xx.`). Same messages ⇒ same text, always.
import { parseCatalogContext, type CatalogContextProduct } from '../../lib/ai/catalog-context.js';
import { parseKnowledgeContext } from '../../lib/ai/merchant-context.js';
import { knowledgeAnswer, questionTopics } from './policy.js';
import { answerLanguageOf, PICTURE_NOTE } from '../../lib/ai/understand.js';
import { detectLanguage, isGreetingOnly as isGreetingOnlyText, isLang, searchTerms, type Lang } from './language.js';
import { REPLIES } from './replies.js';

export interface FakeChatMessage {
  role: string;
  /** The text (text parts joined by newlines); images are never kept. */
  content: string;
  /** How many image parts the message carried (absent when none). */
  images?: number;
}

export const NO_MATCH_ANSWER = REPLIES.en.noMatch;
export const PARTIAL_MATCH_NOTE = REPLIES.en.partialMatch;
export const GREETING_ANSWER = REPLIES.en.greeting;
export const PICTURE_ANSWER = REPLIES.en.picture;

/** Products per question: enough to cover ties ("shirts?") without dumping the whole catalog. */
const MAX_PER_QUESTION = 3;
const NAME_WEIGHT = 3;
const DESCRIPTION_WEIGHT = 1;
const SKU_WEIGHT = 10;
/** At least one name word (or the SKU, or three description words) must match. */
const MIN_SCORE = 3;

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

/** Only greeting words, in any of the fake's languages ("hola buenas tardes", "Guten Tag"). */
export function isGreetingOnly(text: string): boolean {
  return isGreetingOnlyText(text);
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

export interface MatchContext {
  /** The catalog's language, which the question's words are translated into before matching. */
  target: Lang;
  /** Catalog product names, for spelling correction. */
  names: string[];
  /** The answer language, taken as the question's language when its words tie or give no evidence. */
  hint?: Lang;
}

export function matchContext(catalog: CatalogContextProduct[], hint?: Lang): MatchContext {
  const names = catalog.map((p) => p.name);
  return { target: names.length > 0 ? detectLanguage(names.join('\n')) : 'en', names, ...(hint ? { hint } : {}) };
}

/**
 * The question's words plus their lexicon translation into the catalog's language, spelling corrected:
 * "Precio de la mochila de cuero?" also says "leather backpack" to an English catalog.
 */
function translatedWords(question: string, context: MatchContext): string[] {
  const source = detectLanguage(question, context.hint);
  const terms = searchTerms(question, { source, target: context.target, sampleNames: context.names, max: 50 });
  return terms.flatMap((t) => [...contentWords(t)]);
}

export function bestMatches(question: string, catalog: CatalogContextProduct[], context: MatchContext = matchContext(catalog)): CatalogContextProduct[] {
  const q = contentWords(question);
  for (const w of translatedWords(question, context)) q.add(w);
  const chunks = question.split(/\s+/).map(compact).filter(Boolean);
  const scored = index(catalog).map((p) => ({ p, s: score(p, q, chunks, compact(question)) }));
  const top = Math.max(0, ...scored.map((x) => x.s));
  if (top < MIN_SCORE) return [];
  // Ties keep catalog order (the retrieval ranking), which keeps the output deterministic.
  return scored.filter((x) => x.s === top).slice(0, MAX_PER_QUESTION).map((x) => x.p.product);
}

export function describeProduct(p: CatalogContextProduct, lang: Lang = 'en'): string {
  const r = REPLIES[lang];
  let line = r.product(p);
  if (p.stock !== undefined) line += ` ${p.stock > 0 ? r.inStock : r.outOfStock}`;
  return line;
}

/** The language the draft prompt asks for (`answerLanguageLine`), English when absent or not one the fake writes. */
export function answerLanguage(systemText: string): Lang {
  const code = answerLanguageOf(systemText);
  return code && isLang(code) ? code : 'en';
}

/**
 * The customer's current turn: every user message after the last assistant message (a burst),
 * each line treated as its own question so a burst merged into one message is handled the same.
 * A picture is an image part, or PICTURE_NOTE in the text (an image that could not be loaded).
 */
function currentTurn(messages: FakeChatMessage[]): { questions: string[]; picture: boolean } {
  let start = 0;
  messages.forEach((m, i) => {
    if (m.role === 'assistant') start = i + 1;
  });
  const users = messages.slice(start).filter((m) => m.role === 'user');
  const picture = users.some((m) => (m.images ?? 0) > 0 || m.content.includes(PICTURE_NOTE));
  const questions = users
    .flatMap((m) => m.content.split(PICTURE_NOTE).join('\n').split(/\r?\n/))
    .map((l) => l.trim())
    .filter(Boolean);
  return { questions, picture };
}

export function answerChat(messages: FakeChatMessage[]): string {
  const system = messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => m.content).join('\n');
  const catalog = parseCatalogContext(system);
  // The merchant's policies and FAQ answers (issue 18): a policy question is answered from them word for word.
  const knowledge = parseKnowledgeContext(system);
  const facts: string[] = [];
  const lang = answerLanguage(system);
  const r = REPLIES[lang];
  const context = matchContext(catalog, lang);
  const { questions, picture } = currentTurn(messages);
  let greeted = false;
  let unmatched = 0;
  const found = new Map<string, CatalogContextProduct>();
  for (const q of questions) {
    if (isGreetingOnly(q)) {
      greeted = true;
      continue;
    }
    const matches = bestMatches(q, catalog, context);
    const fact = matches.length === 0 || questionTopics(q).length > 0 ? knowledgeAnswer(q, knowledge) : null;
    if (fact && !facts.includes(fact)) facts.push(fact);
    if (matches.length === 0 && !fact) unmatched++;
    for (const p of matches) if (!found.has(p.sku)) found.set(p.sku, p);
  }
  const lines: string[] = greeted ? [r.hello] : [];
  const products = [...found.values()].map((p) => describeProduct(p, lang));
  if (picture) {
    // The fake cannot see pictures: it says so, and answers whatever the text asked.
    lines.push(r.picture, ...products);
    if (products.length > 0 && unmatched > 0) lines.push(r.partialMatch);
    return lines.join('\n');
  }
  if (found.size === 0 && facts.length === 0 && unmatched === 0) return r.greeting;
  if (found.size === 0 && facts.length === 0) return [...lines, r.noMatch].join('\n');
  lines.push(...products, ...facts);
  if (unmatched > 0) lines.push(r.partialMatch);
  return lines.join('\n');
}
