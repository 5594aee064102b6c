import { CatalogFileError } from './errors.js';

/** The product fields WARA models; anything else in a row is kept in `attributes`. */
export const PRODUCT_FIELDS = ['sku', 'name', 'price', 'currency', 'description', 'stock', 'category', 'url', 'image'] as const;
export type ProductField = (typeof PRODUCT_FIELDS)[number];
export const REQUIRED_FIELDS: readonly ProductField[] = ['sku', 'name', 'price'];

// Headers merchants actually export (Shopify, WooCommerce, spreadsheets in a few languages), normalised
// by `normaliseHeader`. A header that is not here and not a field name becomes an attribute.
const ALIASES: Record<string, ProductField> = {
  id: 'sku', product_id: 'sku', productid: 'sku', code: 'sku', product_code: 'sku', item_code: 'sku',
  item_number: 'sku', article: 'sku', reference: 'sku', ref: 'sku', variant_sku: 'sku', referencia: 'sku',
  title: 'name', product: 'name', product_name: 'name', product_title: 'name', item: 'name', item_name: 'name',
  nombre: 'name', nom: 'name', nome: 'name', titel: 'name', titulo: 'name',
  desc: 'description', details: 'description', body: 'description', body_html: 'description',
  descripcion: 'description', descricao: 'description',
  unit_price: 'price', sale_price: 'price', variant_price: 'price', regular_price: 'price', amount: 'price',
  precio: 'price', prix: 'price', preis: 'price', preco: 'price',
  currency_code: 'currency', moneda: 'currency', devise: 'currency', waehrung: 'currency', moeda: 'currency',
  qty: 'stock', quantity: 'stock', inventory: 'stock', inventory_quantity: 'stock', variant_inventory_qty: 'stock',
  available: 'stock', stock_quantity: 'stock', existencias: 'stock',
  type: 'category', product_type: 'category', collection: 'category', categories: 'category',
  categoria: 'category', categorie: 'category', kategorie: 'category',
  link: 'url', product_url: 'url', permalink: 'url', web_url: 'url',
  image_url: 'image', imageurl: 'image', image_link: 'image', image_src: 'image', picture: 'image',
  photo: 'image', img: 'image', imagen: 'image',
};

/** Lower case, accents stripped, runs of anything else collapsed to `_`: "Product Name " → product_name. */
export function normaliseHeader(header: string): string {
  return header
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

export function fieldForHeader(header: string): ProductField | null {
  const key = normaliseHeader(header);
  if ((PRODUCT_FIELDS as readonly string[]).includes(key)) return key as ProductField;
  return ALIASES[key] ?? null;
}

/** Where each column of a CSV goes: a product field, or an attribute under its original header. */
export type ColumnTarget = { kind: 'field'; field: ProductField } | { kind: 'attribute'; key: string } | { kind: 'skip' };

/**
 * Maps a CSV header row to targets. Missing required columns and two columns meaning the same field are
 * file errors: every row would be rejected for the same reason, so the merchant is told once, up front.
 */
export function mapHeader(headers: readonly string[]): ColumnTarget[] {
  const seen = new Map<ProductField, string>();
  const targets = headers.map((raw): ColumnTarget => {
    const header = raw.trim();
    if (header === '') return { kind: 'skip' };
    const field = fieldForHeader(header);
    if (!field) return { kind: 'attribute', key: header };
    const earlier = seen.get(field);
    if (earlier !== undefined) {
      throw new CatalogFileError('duplicate_columns', `The columns "${earlier}" and "${header}" both mean ${field}; keep one of them.`);
    }
    seen.set(field, header);
    return { kind: 'field', field };
  });
  const missing = REQUIRED_FIELDS.filter((f) => !seen.has(f));
  if (missing.length > 0) {
    const found = headers.map((h) => `"${h.trim()}"`).join(', ');
    throw new CatalogFileError(
      'missing_columns',
      `The header row has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''} (required: sku, name, price). Found: ${found}.`,
    );
  }
  return targets;
}
