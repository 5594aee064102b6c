// Language handling of the fake model, built on the lexicon: word folding, language detection by counting
// known words, lexicon lookup with inflections, German compound splitting and fuzzy spelling correction, and
// turning a customer's words into short search phrases in the catalog's language. Pure and deterministic.
import {
  ACKNOWLEDGEMENTS,
  ARTICLES,
  CONCEPTS,
  CONJUNCTIONS,
  CONNECTORS,
  GREETINGS,
  LANGUAGES,
  STOPWORDS,
  type ConceptKind,
  type Lang,
} from './lexicon.js';

export { LANGUAGES, type Lang } from './lexicon.js';

/** Lower case, accents removed, ß → ss: the form every lookup compares. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/ß/g, 'ss').toLowerCase();
}

/** Folded words; apostrophes and hyphens split ("m'envoyer" → m envoyer, "t-shirt" → t shirt). */
export function foldedWords(text: string): string[] {
  return fold(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

export function isLang(code: string): code is Lang {
  return (LANGUAGES as readonly string[]).includes(code);
}

// ── Lexicon index ───────────────────────────────────────────────────────────────────────────────────────

export interface Concept {
  id: number;
  en: string;
  kind: ConceptKind;
  /** Surface forms per language, first = the one used when translating into it. English: canonical first. */
  forms: Record<Lang, string[]>;
}

interface LangIndex {
  /** Single folded word → concepts (first listed wins). */
  words: Map<string, Concept[]>;
  /** Multi-word entries as folded word lists, longest first. */
  phrases: { words: string[]; concept: Concept }[];
  stop: Set<string>;
  connectors: Set<string>;
  articles: Set<string>;
  conjunctions: Set<string>;
  greetings: Set<string>;
  acks: Set<string>;
}

const wordSet = (text: string) => new Set(foldedWords(text));

export const CONCEPT_LIST: Concept[] = CONCEPTS.map(([en, kind, es, pt, de, fr, it, enAlt], id) => {
  const split = (cell: string | undefined) => (cell ? cell.split('|').map((s) => s.trim()).filter(Boolean) : []);
  return { id, en, kind, forms: { en: [en, ...split(enAlt)], es: split(es), pt: split(pt), de: split(de), fr: split(fr), it: split(it) } };
});

function buildIndex(lang: Lang): LangIndex {
  const words = new Map<string, Concept[]>();
  const phrases: LangIndex['phrases'] = [];
  for (const concept of CONCEPT_LIST) {
    for (const form of concept.forms[lang]) {
      const ws = foldedWords(form);
      // "t-shirt" is also written "tshirt": the joined form of a hyphenated entry is a word too.
      const variants = ws.length > 1 && form.includes('-') && !form.includes(' ') ? [ws, [ws.join('')]] : [ws];
      for (const v of variants) {
        if (v.length === 1) {
          const list = words.get(v[0]!) ?? [];
          if (!list.includes(concept)) list.push(concept);
          words.set(v[0]!, list);
        } else if (v.length > 1) {
          phrases.push({ words: v, concept });
        }
      }
    }
  }
  phrases.sort((a, b) => b.words.length - a.words.length);
  return {
    words,
    phrases,
    stop: wordSet(STOPWORDS[lang]),
    connectors: wordSet(CONNECTORS[lang]),
    articles: wordSet(ARTICLES[lang]),
    conjunctions: wordSet(CONJUNCTIONS[lang]),
    greetings: wordSet(GREETINGS[lang]),
    acks: wordSet(ACKNOWLEDGEMENTS[lang]),
  };
}

const INDEX = Object.fromEntries(LANGUAGES.map((l) => [l, buildIndex(l)])) as Record<Lang, LangIndex>;

/** Every word a language list knows (stop words, greetings, lexicon): such words are never "corrected". */
const KNOWN_ANYWHERE = new Set<string>();
for (const l of LANGUAGES) {
  const ix = INDEX[l];
  for (const set of [ix.stop, ix.connectors, ix.articles, ix.conjunctions, ix.greetings, ix.acks]) for (const w of set) KNOWN_ANYWHERE.add(w);
  for (const w of ix.words.keys()) KNOWN_ANYWHERE.add(w);
}

export const ALL_GREETINGS = new Set(LANGUAGES.flatMap((l) => [...INDEX[l].greetings]));
export const ALL_ACKS = new Set(LANGUAGES.flatMap((l) => [...INDEX[l].acks]));

export function lexiconSize(): { concepts: number; entries: number; perLanguage: Record<Lang, number> } {
  const perLanguage = Object.fromEntries(LANGUAGES.map((l) => [l, CONCEPT_LIST.reduce((n, c) => n + c.forms[l].length, 0)])) as Record<Lang, number>;
  return { concepts: CONCEPT_LIST.length, entries: Object.values(perLanguage).reduce((a, b) => a + b, 0), perLanguage };
}

// ── Inflections and lookup ──────────────────────────────────────────────────────────────────────────────

/** Candidate dictionary forms of a folded word: plural, gender and case endings, most specific first. */
export function inflections(word: string, lang: Lang): string[] {
  const out = [word];
  const n = word.length;
  const add = (w: string) => {
    if (w.length >= 2 && !out.includes(w)) out.push(w);
  };
  const cut = (k: number) => word.slice(0, n - k);
  if (n < 3) return out;
  switch (lang) {
    case 'en':
      if (word.endsWith('ies') && n > 4) add(`${cut(3)}y`);
      if (/(ss|x|ch|sh)es$/.test(word) && n > 4) add(cut(2));
      if (word.endsWith('s') && !word.endsWith('ss')) add(cut(1));
      add(`${word}s`);
      break;
    case 'es':
      if (word.endsWith('es') && n > 4) add(cut(2));
      if (word.endsWith('s')) add(cut(1));
      if (/[ao]s?$/.test(word)) add(`${word.replace(/s$/, '').slice(0, -1)}${word.replace(/s$/, '').endsWith('a') ? 'o' : 'a'}`);
      add(`${word}s`);
      add(`${word}es`);
      break;
    case 'pt':
      if (word.endsWith('oes') && n > 4) add(`${cut(3)}ao`);
      if (word.endsWith('ais') && n > 4) add(`${cut(2)}l`);
      if (word.endsWith('is') && n > 4) add(`${cut(2)}l`);
      if (word.endsWith('ns')) add(`${cut(2)}m`);
      if (word.endsWith('es') && n > 4) add(cut(2));
      if (word.endsWith('s')) add(cut(1));
      if (/[ao]s?$/.test(word)) add(`${word.replace(/s$/, '').slice(0, -1)}${word.replace(/s$/, '').endsWith('a') ? 'o' : 'a'}`);
      add(`${word}s`);
      break;
    case 'fr':
      if (word.endsWith('aux') && n > 4) add(`${cut(3)}al`);
      if (/[sx]$/.test(word)) add(cut(1));
      if (word.endsWith('es') && n > 4) add(cut(2));
      if (word.endsWith('e')) add(cut(1));
      add(`${word}s`);
      add(`${word}e`);
      break;
    case 'it':
      if (/[ie]$/.test(word)) {
        add(`${cut(1)}o`);
        add(`${cut(1)}a`);
        add(`${cut(1)}e`);
      }
      if (/[oa]$/.test(word)) {
        add(`${cut(1)}i`);
        add(`${cut(1)}e`);
        add(`${cut(1)}${word.endsWith('a') ? 'o' : 'a'}`);
      }
      break;
    case 'de':
      for (const end of ['en', 'em', 'er', 'es', 'e', 'n', 's']) if (word.endsWith(end) && n - end.length >= 3) add(cut(end.length));
      add(`${word}e`);
      add(`${word}n`);
      break;
  }
  return out;
}

/** The concept a single word names in `lang` (dictionary form via inflections), if any. */
export function lookupWord(word: string, lang: Lang): Concept | undefined {
  for (const form of inflections(word, lang)) {
    const hit = INDEX[lang].words.get(form);
    if (hit) return hit[0];
  }
  return undefined;
}

function isKnownWord(word: string, lang: Lang): boolean {
  const ix = INDEX[lang];
  return ix.stop.has(word) || ix.greetings.has(word) || ix.acks.has(word) || lookupWord(word, lang) !== undefined;
}

/**
 * A German compound as known parts: "lederrucksack" → leder + rucksack, "kaffeetasse" → kaffee + tasse.
 * The head (last part) may carry one typo; linking letters (s, e, n) between parts are tolerated.
 */
export function splitCompound(word: string, depth = 0): Concept[] | undefined {
  if (word.length < 6 || depth > 2) return undefined;
  for (const fuzzyHead of [false, true]) {
    for (let i = 3; i <= word.length - 3; i++) {
      const left = word.slice(0, i);
      const leftConcept = lookupCompoundPart(left);
      if (!leftConcept) continue;
      const rest = word.slice(i);
      for (const right of [rest, ...(/^[sn]/.test(rest) && rest.length > 4 ? [rest.slice(1)] : []), ...(rest.startsWith('en') && rest.length > 5 ? [rest.slice(2)] : [])]) {
        const rightConcept = lookupWord(right, 'de') ?? lookupWord(right, 'en');
        if (rightConcept) return [leftConcept, rightConcept];
        const deeper = splitCompound(right, depth + 1);
        if (deeper) return [leftConcept, ...deeper];
        if (fuzzyHead) {
          const fuzzy = fuzzyLookup(right, ['de', 'en'], []);
          if (fuzzy?.concept) return [leftConcept, fuzzy.concept];
        }
      }
    }
  }
  return undefined;
}

function lookupCompoundPart(left: string): Concept | undefined {
  const exact = INDEX.de.words.get(left)?.[0] ?? INDEX.en.words.get(left)?.[0];
  if (exact) return exact;
  // "Baumwoll-hemd": the first part loses its final -e.
  return INDEX.de.words.get(`${left}e`)?.[0];
}

// ── Fuzzy matching ──────────────────────────────────────────────────────────────────────────────────────

/** Damerau-Levenshtein distance (optimal string alignment), stopping early above `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    let rowMin = Infinity;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > max) return max + 1;
  }
  return rows[a.length]![b.length]!;
}

/** Typos tolerated: none under 4 letters, 1 for 4–7 letters, 2 for longer words. */
export function maxTypos(word: string): number {
  if (word.length < 4) return 0;
  return word.length <= 7 ? 1 : 2;
}

export interface FuzzyHit {
  /** The corrected word (folded). */
  word: string;
  distance: number;
  /** Set when the word is a lexicon entry. */
  concept?: Concept;
  lang?: Lang;
}

/**
 * The closest lexicon word (in `langs`, in preference order) or catalog-sample word to a misspelt word.
 * Same first letter required (typos rarely hit it, and it keeps "boat" from becoming "coat"); ties go to
 * the earlier language, then the sample, then alphabetical order.
 */
export function fuzzyLookup(word: string, langs: readonly Lang[], sampleWords: readonly string[]): FuzzyHit | undefined {
  const max = maxTypos(word);
  if (max === 0) return undefined;
  let best: FuzzyHit | undefined;
  let bestRank = Infinity;
  const consider = (candidate: string, rank: number, concept?: Concept, lang?: Lang) => {
    if (candidate[0] !== word[0] || candidate.length < 3) return;
    const d = editDistance(word, candidate, max);
    if (d > max || d === 0) return;
    if (!best || d < best.distance || (d === best.distance && (rank < bestRank || (rank === bestRank && candidate < best.word)))) {
      best = { word: candidate, distance: d, ...(concept ? { concept } : {}), ...(lang ? { lang } : {}) };
      bestRank = rank;
    }
  };
  langs.forEach((lang, rank) => {
    for (const [w, concepts] of INDEX[lang].words) consider(w, rank, concepts[0], lang);
  });
  for (const w of sampleWords) consider(w, langs.length);
  return best;
}

// ── Language detection ──────────────────────────────────────────────────────────────────────────────────

const CHARACTER_HINTS: [RegExp, Lang[]][] = [
  [/[ñ¿¡]/u, ['es']],
  [/[ãõ]/u, ['pt']],
  [/ç/u, ['pt', 'fr']],
  [/[ßäöü]/u, ['de']],
  [/[èêâîôûœë]/u, ['fr']],
  [/[ìòù]/u, ['it']],
];

/** Per-language evidence: each known word counts 1 split among the languages that know it. */
export function languageScores(text: string): Record<Lang, number> {
  const scores = Object.fromEntries(LANGUAGES.map((l) => [l, 0])) as Record<Lang, number>;
  const words = foldedWords(text).filter((w) => !/^\d+$/.test(w));
  for (const lang of LANGUAGES) scores[lang] += 1.5 * countPhrases(words, lang);
  for (const w of words) {
    // Function words are the stronger evidence: "the" is English even though "thé" is French for tea.
    const functional = LANGUAGES.filter((l) => INDEX[l].stop.has(w) || INDEX[l].greetings.has(w) || INDEX[l].acks.has(w));
    let langs = functional.length > 0 ? functional : LANGUAGES.filter((l) => isKnownWord(w, l));
    let weight = 1;
    if (langs.length === 0 && splitCompound(w)) langs = ['de'];
    if (langs.length === 0 && !KNOWN_ANYWHERE.has(w)) {
      const hits = LANGUAGES.map((l) => ({ l, hit: fuzzyLookup(w, [l], []) })).filter((x) => x.hit);
      const best = Math.min(...hits.map((x) => x.hit!.distance));
      langs = hits.filter((x) => x.hit!.distance === best).map((x) => x.l);
      weight = 0.5;
    }
    for (const l of langs) scores[l] += weight / langs.length;
  }
  const lower = text.toLowerCase();
  for (const [re, langs] of CHARACTER_HINTS) if (re.test(lower)) for (const l of langs) scores[l] += 0.5 / langs.length;
  return scores;
}

function countPhrases(words: string[], lang: Lang): number {
  let n = 0;
  for (let i = 0; i < words.length; i++) {
    const hit = INDEX[lang].phrases.find((p) => p.words.every((w, k) => words[i + k] !== undefined && inflections(words[i + k]!, lang).includes(w)));
    if (hit) {
      n++;
      i += hit.words.length - 1;
    }
  }
  return n;
}

/**
 * The language of a text among en/es/pt/de/fr/it: the one with the most evidence; ties and no evidence go to
 * `prefer` (when given and tied for the top), else to English, else to the first in LANGUAGES order.
 */
export function detectLanguage(text: string, prefer?: Lang): Lang {
  const scores = languageScores(text);
  const top = Math.max(...Object.values(scores));
  if (prefer && (top <= 0 || scores[prefer] === top)) return prefer;
  if (top <= 0 || scores.en === top) return 'en';
  return LANGUAGES.find((l) => scores[l] === top) ?? 'en';
}

// ── Greetings and acknowledgements ──────────────────────────────────────────────────────────────────────

export function isGreetingOnly(text: string): boolean {
  const ws = foldedWords(text);
  return ws.length > 0 && ws.every((w) => ALL_GREETINGS.has(w));
}

/** Thanks, ok, goodbye (in any of the languages), or nothing but emoji and punctuation. */
export function isAcknowledgementOnly(text: string): boolean {
  if (text.trim() === '') return false;
  const ws = foldedWords(text);
  if (ws.length === 0) return true;
  return ws.some((w) => ALL_ACKS.has(w)) && ws.every((w) => ALL_ACKS.has(w) || ALL_GREETINGS.has(w) || w === 'a');
}

// ── From words to search phrases ────────────────────────────────────────────────────────────────────────

/** One word (or lexicon phrase) of the customer's text, resolved. */
type Item =
  /** `native`: found as written in the customer's own language (so it can be kept as written). */
  | { type: 'concept'; concept: Concept; surface: string; native: boolean; corrected: boolean }
  | { type: 'unknown'; surface: string }
  | { type: 'sku'; surface: string }
  | { type: 'connector' }
  | { type: 'article' }
  | { type: 'break' };

const ROMANCE: ReadonlySet<Lang> = new Set(['es', 'pt', 'fr', 'it']);
const LINKING_WORDS = new Set(LANGUAGES.flatMap((l) => [...INDEX[l].connectors, ...INDEX[l].articles]));
const KIND_RANK: Record<ConceptKind, number> = { size: 0, adj: 1, colour: 2, material: 3, noun: 4 };

interface RawToken {
  text: string;
  folded: string;
  /** Punctuation (other than apostrophes and hyphens inside a word) came right after it. */
  endsClause: boolean;
}

function rawTokens(text: string): RawToken[] {
  const out: RawToken[] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}]+(?:[-_./'’][\p{L}\p{N}]+)*|[^\p{L}\p{N}\s]+/gu)) {
    const t = m[0];
    if (!/[\p{L}\p{N}]/u.test(t)) {
      if (/[,.;:!?()[\]{}"«»¿¡/|\n]/.test(t) && out.length > 0) out[out.length - 1]!.endsClause = true;
      continue;
    }
    // SKU-like tokens (letters and digits, "TS-001") stay whole; other words split at ' and -.
    if (/\d/.test(t) && /\p{L}/u.test(t)) {
      out.push({ text: t, folded: fold(t), endsClause: false });
      continue;
    }
    const parts = t.split(/[-_./'’]/).filter(Boolean);
    for (const p of parts) out.push({ text: p, folded: fold(p), endsClause: false });
  }
  return out;
}

interface ResolveOptions {
  source: Lang;
  /** Words of the catalog sample names (folded), for spelling correction. */
  sampleWords: readonly string[];
  /** Unknown words are content in the catalog language (they can be kept as they are). */
  unknownIsContent: boolean;
  /** Look words up in the source language and English only (default: every language, source first). */
  sourceAndEnglishOnly?: boolean;
}

function resolve(tokens: RawToken[], opts: ResolveOptions): Item[] {
  const { source } = opts;
  const ix = INDEX[source];
  const lookupOrder: Lang[] = opts.sourceAndEnglishOnly ? [...new Set<Lang>([source, 'en'])] : [source, ...LANGUAGES.filter((l) => l !== source)];
  const items: Item[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const w = tok.folded;
    const push = (item: Item, last = tok) => {
      items.push(item);
      if (last.endsClause) items.push({ type: 'break' });
    };
    // Lexicon phrases first ("sac à dos", "gafas de sol"), in the source language, then in English.
    const phrase = [source, 'en' as Lang].map((l) => INDEX[l].phrases.find((p) => p.words.every((pw, k) => tokens[i + k] !== undefined && inflections(tokens[i + k]!.folded, l).includes(pw)))).find(Boolean);
    if (phrase) {
      const span = tokens.slice(i, i + phrase.words.length);
      i += phrase.words.length - 1;
      const native = INDEX[source].phrases.includes(phrase);
      const lang = native ? source : 'en';
      // Written as the lexicon writes it ("t-shirt", "sac à dos"), not as split into words.
      const form = phrase.concept.forms[lang].find((f) => foldedWords(f).join(' ') === phrase.words.join(' ')) ?? span.map((t) => t.text).join(' ');
      push({ type: 'concept', concept: phrase.concept, surface: form, native, corrected: false }, tokens[i]!);
      continue;
    }
    if (/\d/.test(w)) {
      push(/\p{L}/u.test(w) && w.length >= 3 ? { type: 'sku', surface: tok.text } : { type: 'break' });
      continue;
    }
    if (ix.conjunctions.has(w)) {
      push({ type: 'break' });
      continue;
    }
    const previous = items.at(-1);
    if (ix.connectors.has(w)) {
      push({ type: 'connector' });
      continue;
    }
    if (ix.articles.has(w) && previous?.type === 'connector') {
      push({ type: 'article' });
      continue;
    }
    if (ix.stop.has(w) || ix.greetings.has(w) || ix.acks.has(w) || w.length < 2) {
      push({ type: 'break' });
      continue;
    }
    let concept: Concept | undefined;
    let foundIn: Lang | undefined;
    for (const l of lookupOrder) {
      concept = lookupWord(w, l);
      foundIn = l;
      if (concept) break;
    }
    if (concept) {
      push({ type: 'concept', concept, surface: tok.text, native: foundIn === source, corrected: false });
      continue;
    }
    const parts = source === 'de' || source === 'en' ? splitCompound(w) : undefined;
    if (parts) {
      for (const c of parts) items.push({ type: 'concept', concept: c, surface: c.forms[source][0] ?? c.en, native: true, corrected: false });
      if (tok.endsClause) items.push({ type: 'break' });
      continue;
    }
    if (KNOWN_ANYWHERE.has(w)) {
      push({ type: 'break' });
      continue;
    }
    if (opts.sampleWords.includes(w) || opts.sampleWords.some((s) => inflections(w, source).includes(s))) {
      push({ type: 'unknown', surface: tok.text });
      continue;
    }
    const fuzzy = fuzzyLookup(w, [source, ...(source === 'en' ? [] : (['en'] as Lang[]))], opts.sampleWords);
    if (fuzzy?.concept) {
      push({ type: 'concept', concept: fuzzy.concept, surface: fuzzy.word, native: fuzzy.lang === source, corrected: true });
      continue;
    }
    if (fuzzy) {
      push({ type: 'unknown', surface: fuzzy.word });
      continue;
    }
    push({ type: 'unknown', surface: tok.text });
  }
  return items;
}

interface Unit {
  /** The words to output in the target language. */
  text: string;
  kind: ConceptKind;
  /** Order of appearance in the customer's text. */
  pos: number;
  /** The word came from the lexicon (translated or corrected), not kept verbatim. */
  known: boolean;
}

interface Phrase {
  units: Unit[];
  /** Index of the head noun in `units`. */
  head: number;
  pos: number;
  /** Has at least one lexicon word (unknown-only phrases rank after). */
  known: boolean;
}

function targetForm(concept: Concept, target: Lang): string | undefined {
  return concept.forms[target][0];
}

/** Groups resolved items into phrases (noun + what describes it) and picks each phrase's head. */
function group(items: Item[], opts: ResolveOptions & { target: Lang }): { phrases: Phrase[]; skus: string[] } {
  const phrases: Phrase[] = [];
  const skus: string[] = [];
  let current: { units: Unit[]; afterConnector: boolean[] } | undefined;
  let pendingConnector = false;
  let pos = 0;
  const close = () => {
    if (current && current.units.length > 0) phrases.push(finish(current.units, current.afterConnector, opts.source));
    current = undefined;
    pendingConnector = false;
  };
  const add = (unit: Unit) => {
    if (!current) current = { units: [], afterConnector: [] };
    current.units.push(unit);
    current.afterConnector.push(pendingConnector || (current.afterConnector.at(-1) ?? false));
  };
  for (const item of items) {
    pos++;
    switch (item.type) {
      case 'concept': {
        const translated = targetForm(item.concept, opts.target);
        const keepSurface = opts.target === opts.source && item.native && !item.corrected;
        const text = keepSurface ? item.surface.toLowerCase() : (translated ?? item.surface.toLowerCase());
        add({ text, kind: item.concept.kind, pos, known: true });
        break;
      }
      case 'unknown':
        if (opts.unknownIsContent) {
          add({ text: item.surface.toLowerCase(), kind: 'noun', pos, known: false });
        } else {
          // An untranslatable word stays as written, in a phrase of its own.
          close();
          phrases.push({ units: [{ text: item.surface.toLowerCase(), kind: 'noun', pos, known: false }], head: 0, pos, known: false });
        }
        break;
      case 'sku':
        close();
        skus.push(item.surface);
        break;
      case 'connector':
        if (current) pendingConnector = true;
        break;
      case 'article':
        break;
      case 'break':
        close();
        break;
    }
  }
  close();
  return { phrases, skus };
}

function finish(units: Unit[], afterConnector: boolean[], source: Lang): Phrase {
  const main = units.map((u, i) => ({ u, i })).filter((x) => !afterConnector[x.i]);
  const nouns = (list: { u: Unit; i: number }[]) => list.filter((x) => x.u.kind === 'noun');
  const all = units.map((u, i) => ({ u, i }));
  let head: number;
  if (ROMANCE.has(source)) {
    // Romance: the first noun is the thing ("mochila de cuero", "taza de café").
    head = (nouns(main)[0] ?? nouns(all)[0] ?? all.at(-1)!).i;
  } else {
    // Germanic: the last noun of the main part ("coffee mug", "Rucksack aus Leder").
    head = (nouns(main).at(-1) ?? nouns(all).at(-1) ?? all.at(-1)!).i;
  }
  return { units, head, pos: units[0]!.pos, known: units.some((u) => u.known) };
}

/** A catalog name's words with where they sit in the name, so a span of it can be quoted as written. */
interface SampleName {
  name: string;
  words: { folded: string; start: number; end: number }[];
}

function sampleName(name: string): SampleName {
  const words: SampleName['words'] = [];
  for (const m of name.matchAll(/[\p{L}\p{N}]+/gu)) words.push({ folded: fold(m[0]), start: m.index, end: m.index + m[0].length });
  return { name, words };
}

/**
 * Writes a phrase in the target language. When one catalog name has all its words, the words are quoted
 * as that name has them ("blue cotton t-shirt", "mochila de cuero", German "lederrucksack"); otherwise
 * English order (size, other adjectives, colour, material, describing noun, noun) or, for a Romance
 * catalog, noun + adjectives + "de <material>".
 */
function render(phrase: Phrase, target: Lang, samples: readonly SampleName[]): string {
  const head = phrase.units[phrase.head]!;
  const mods = phrase.units.filter((_, i) => i !== phrase.head).sort((a, b) => KIND_RANK[a.kind] - KIND_RANK[b.kind] || a.pos - b.pos);
  const dedup = (list: Unit[]) => list.filter((u, i) => list.findIndex((v) => v.text === u.text) === i);
  const english = dedup([...mods, head]);
  const quoted = quoteFromCatalog(english, samples);
  if (quoted) return quoted;
  if (!ROMANCE.has(target)) return english.map((u) => u.text).join(' ');
  const adjectives = mods.filter((u) => u.kind !== 'material' && u.kind !== 'noun');
  const complements = mods.filter((u) => u.kind === 'material' || u.kind === 'noun');
  const words = [head.text, ...adjectives.map((u) => u.text)];
  for (const c of complements) words.push(connectorFor(target, c.kind), c.text);
  return words.filter((w, i) => words.indexOf(w) === i || w.length <= 3).join(' ');
}

function connectorFor(target: Lang, kind: ConceptKind): string {
  if (target === 'fr') return kind === 'material' ? 'en' : 'de';
  if (target === 'it') return kind === 'material' ? 'in' : 'da';
  return 'de';
}

/** The span of a catalog name holding every word of the phrase (at most two words in between), lower-cased. */
function quoteFromCatalog(units: Unit[], samples: readonly SampleName[]): string | undefined {
  if (units.length < 2) return undefined;
  const unitWords = units.map((u) => foldedWords(u.text));
  const joined = unitWords.flat().join('');
  for (const sample of samples) {
    // A compound naming the whole phrase ("Lederrucksack" for leder + rucksack).
    const compound = sample.words.find((w) => w.folded === joined || stemEqual(w.folded, joined));
    if (compound) return sample.name.slice(compound.start, compound.end).toLowerCase();
    const spans = unitWords.map((ws) => {
      const first = sample.words.findIndex((w, i) => ws.every((u, k) => sample.words[i + k] !== undefined && stemEqual(sample.words[i + k]!.folded, u)));
      return first < 0 ? undefined : [first, first + ws.length - 1];
    });
    if (spans.some((x) => x === undefined)) continue;
    const from = Math.min(...spans.map((x) => x![0]!));
    const to = Math.max(...spans.map((x) => x![1]!));
    // Only linking words may sit in between ("mochila DE cuero"), nothing that changes the thing.
    const covered = new Set(spans.flatMap((x) => Array.from({ length: x![1]! - x![0]! + 1 }, (_, k) => x![0]! + k)));
    const between = sample.words.slice(from, to + 1).filter((_, k) => !covered.has(from + k));
    if (between.length > 2 || between.some((w) => !LINKING_WORDS.has(w.folded))) continue;
    return sample.name.slice(sample.words[from]!.start, sample.words[to]!.end).toLowerCase();
  }
  return undefined;
}

function stemEqual(a: string, b: string): boolean {
  const stem = (w: string) => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w);
  return stem(a) === stem(b);
}

export interface SearchTermOptions {
  /** The customer's language (detected when omitted). */
  source?: Lang;
  /** The catalog's language: terms are translated into it. */
  target: Lang;
  /** Catalog product names (a sample), for spelling correction and word order. */
  sampleNames?: readonly string[];
  max?: number;
}

/**
 * Short search phrases for a customer's text, in the catalog's language: lexicon words translated and
 * spelling-corrected, grouped noun + description ("leather backpack"), SKU-like tokens kept as written,
 * untranslatable words kept verbatim after the translated ones. Deterministic order, duplicates removed.
 */
export function searchTerms(text: string, options: SearchTermOptions): string[] {
  const source = options.source ?? detectLanguage(text);
  const target = options.target;
  const samples = (options.sampleNames ?? []).map(sampleName);
  const sampleWords = [...new Set(samples.flatMap((s) => s.words.map((w) => w.folded)))].filter((w) => w.length >= 3);
  const opts = { source, target, sampleWords, unknownIsContent: source === target };
  const { phrases, skus } = group(resolve(rawTokens(text), opts), opts);
  const ordered = [...phrases.filter((p) => p.known), ...phrases.filter((p) => !p.known)];
  const out: string[] = [];
  for (const term of [...ordered.map((p) => render(p, target, samples)), ...skus]) {
    const clipped = term.length <= 80 ? term : term.slice(0, 80).replace(/\s+\S*$/, '');
    if (clipped && !out.some((t) => t.toLowerCase() === clipped.toLowerCase())) out.push(clipped);
  }
  return out.slice(0, options.max ?? 8);
}

/**
 * Whether the text names something from the lexicon (a product, colour, size, material) in its language or
 * English, as written (no spelling correction, so "what the hell" is not German for "light").
 */
export function mentionsProduct(text: string, source: Lang): boolean {
  const opts = { source, sampleWords: [], unknownIsContent: false, sourceAndEnglishOnly: true };
  return resolve(rawTokens(text), opts).some((i) => i.type === 'concept' && !i.corrected);
}
