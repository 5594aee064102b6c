// The contract between WARA's prompt builder and any model (real or the local fake): the retrieved
// products travel in a system message as a `<catalog>` block with one JSON object per line.
// JSON lines keep each product self-contained, so one bad line never poisons the others, and the
// answer checker / fake model can read the exact figures the model was shown.
import { z } from 'zod';

export const CATALOG_OPEN = '<catalog>';
export const CATALOG_CLOSE = '</catalog>';

/** Descriptions are capped so a verbose catalog cannot blow up the prompt's token budget. */
export const MAX_DESCRIPTION_CHARS = 500;

export interface CatalogContextProduct {
  sku: string;
  name: string;
  /** Decimal as text, exactly as stored (e.g. "12.50"), so quoted prices can be compared verbatim. */
  price: string;
  /** ISO 4217 code, upper case. */
  currency: string;
  stock?: number;
  description?: string;
}

const productSchema = z.object({
  sku: z.string().trim().min(1).max(128),
  name: z.string().trim().min(1).max(500),
  // Numbers are accepted too so a hand-written or other-language producer still parses.
  price: z.union([
    z.string().trim().regex(/^\d+(\.\d+)?$/),
    z.number().finite().nonnegative().transform((n) => String(n)),
  ]),
  currency: z.string().trim().regex(/^[A-Za-z]{3}$/).transform((c) => c.toUpperCase()),
  stock: z.number().int().nonnegative().nullish(),
  description: z.string().nullish(),
});

export function formatCatalogContext(products: readonly CatalogContextProduct[]): string {
  const lines = products.map((p) => {
    const line: Record<string, string | number> = { sku: p.sku, name: p.name, price: p.price, currency: p.currency };
    if (p.stock !== undefined) line.stock = p.stock;
    if (p.description) line.description = truncate(p.description, MAX_DESCRIPTION_CHARS);
    // `<` escaped as \u003c (still valid JSON) so product text can never close the block early.
    return JSON.stringify(line).replace(/</g, '\\u003c');
  });
  return [CATALOG_OPEN, ...lines, CATALOG_CLOSE].join('\n');
}

/** Reads every `<catalog>` block in `text`; malformed or invalid lines are skipped, first SKU wins. */
export function parseCatalogContext(text: string): CatalogContextProduct[] {
  const out: CatalogContextProduct[] = [];
  const seen = new Set<string>();
  // A missing close tag (e.g. a truncated prompt) still yields the lines that made it.
  for (const block of text.matchAll(/<catalog>([\s\S]*?)(?:<\/catalog>|$)/g)) {
    for (const raw of (block[1] ?? '').split(/\r?\n/)) {
      const product = parseLine(raw.trim());
      if (product && !seen.has(product.sku)) {
        seen.add(product.sku);
        out.push(product);
      }
    }
  }
  return out;
}

function parseLine(line: string): CatalogContextProduct | undefined {
  if (!line.startsWith('{')) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return undefined;
  }
  const r = productSchema.safeParse(json);
  if (!r.success) return undefined;
  const { sku, name, price, currency, stock, description } = r.data;
  const product: CatalogContextProduct = { sku, name, price, currency };
  if (stock !== undefined && stock !== null) product.stock = stock;
  if (description) product.description = description;
  return product;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
