import type { PrismaClient } from '../db/client.js';
import { sqlPool } from '../db/sql.js';
import { priceText } from './money.js';
import type { ProductListItem } from './products.js';

/** A product as the list shows it (price: decimal text with the currency's minor units, e.g. "12.50"), plus its score. */
export interface RetrievedProduct extends Omit<ProductListItem, 'updatedAt'> {
  attributes: unknown;
  /** Higher is more relevant; only comparable within one call. */
  score: number;
}

// Words customers wrap their question in. Removed before matching the unstemmed ('simple') vectors and
// the trigram side, which have no stop-word list of their own; a few languages our merchants sell in.
const STOP_WORDS = new Set(
  `a an and any are as at be can do does for from have has hi hello how i in is it me my of on or please price
   show tell that the there this to what which with you your need want looking buy cost much many
   de del la las el los un una y o en por para con que tienen tiene hay quiero precio cuanto cuesta hola
   le les des du et ou est vous avez je cherche combien prix bonjour
   der die das und oder ist ein eine haben sie ich suche preis wie viel hallo
   o os as um uma e tem voce quero quanto custa ola`.split(/\s+/),
);

const MAX_TOKENS = 12;

/** Lower-cased words of the question (letters/digits of any script, SKU-like `A-12`), stop words removed. */
export function questionTokens(question: string): string[] {
  const words = question.toLowerCase().normalize('NFC').match(/[\p{L}\p{N}]+(?:[-_./][\p{L}\p{N}]+)*/gu) ?? [];
  const unique = [...new Set(words.filter((w) => !STOP_WORDS.has(w) && (w.length > 1 || /\d/.test(w))))];
  return unique.slice(0, MAX_TOKENS);
}

// The default word-similarity bar (0.6) misses one-letter typos in short words; 0.4 still rejects noise.
// The connections of a pool of their own start with it (the shared pool's users keep the default), so the
// query needs no transaction around a set_config(…, true).
const RETRIEVAL_POOL = { settings: { 'pg_trgm.word_similarity_threshold': '0.4' } };

/**
 * The tenant's products most relevant to a customer's question, best first.
 * Three signals, each tenant-scoped and index-backed, summed:
 *  - full-text rank (ts_rank_cd) of the words OR'ed, English-stemmed and unstemmed: "shoes" finds "Shoe",
 *    and a Spanish or French name still matches word for word;
 *  - trigram word similarity between each word and the name (pg_trgm): "snekers" still finds "Sneakers";
 *  - an exact SKU match, which wins outright: a customer quoting a SKU means that product.
 */
export async function retrieveProducts(prisma: PrismaClient, tenantId: string, question: string, limit = 5): Promise<RetrievedProduct[]> {
  const tokens = questionTokens(question);
  if (tokens.length === 0) return [];
  // websearch_to_tsquery never throws on user text; ' or ' between words makes it a disjunction.
  const orQuery = tokens.map((t) => t.replace(/[-_./]/g, ' ')).join(' or ');
  // Plain `pg`, one statement: this runs on every AI reply, and Prisma's query compiler cost more CPU than
  // the query itself.
  const { rows } = await sqlPool(prisma, RETRIEVAL_POOL).query<RetrievedProduct>(
    `WITH q AS (
       SELECT websearch_to_tsquery('english', $2) || websearch_to_tsquery('simple', $2) AS tsq, $3::text[] AS tokens
     ), candidates AS (
       SELECT p.id FROM products p, q WHERE p.tenant_id = $1 AND p.active AND p.search_vector @@ q.tsq
       UNION
       SELECT p.id FROM q, unnest(q.tokens) AS t(token)
         JOIN LATERAL (SELECT id FROM products WHERE tenant_id = $1 AND active AND t.token <% name) p ON true
       UNION
       SELECT p.id FROM products p, q WHERE p.tenant_id = $1 AND p.active AND lower(p.sku) = ANY(q.tokens)
     )
     SELECT p.id, p.sku, p.name, p.description, trim_scale(p.price)::text AS price, p.currency, p.stock, p.category, p.url,
            p.image_url AS "imageUrl", p.attributes,
            (ts_rank_cd(p.search_vector, q.tsq, 1)
              + 0.6 * coalesce((SELECT max(word_similarity(t, p.name)) FROM unnest(q.tokens) AS t), 0)
              + CASE WHEN lower(p.sku) = ANY(q.tokens) THEN 10 ELSE 0 END)::float8 AS score
     FROM candidates c JOIN products p ON p.id = c.id, q
     ORDER BY score DESC, p.name
     LIMIT $4`,
    [tenantId, orQuery, tokens, Math.max(1, Math.min(limit, 50))],
  );
  // pg already gives float8 as a number, int as a number, jsonb parsed and the price (::text) as text.
  return rows.map((row) => (row.price === null ? row : { ...row, price: priceText(row.price, row.currency) }));
}

/**
 * A few of the tenant's product names: shown to the model that reads a customer's turn, so it writes search
 * terms in the catalog's language and words. Any few will do; no ORDER BY keeps it cheap on a large catalog.
 */
export async function catalogSample(prisma: PrismaClient, tenantId: string, size = 8): Promise<string[]> {
  const { rows } = await sqlPool(prisma).query<{ name: string }>({
    name: 'retrieve.catalog-sample',
    text: 'SELECT name FROM products WHERE tenant_id = $1 AND active LIMIT $2',
    values: [tenantId, size],
  });
  return rows.map((r) => r.name);
}
