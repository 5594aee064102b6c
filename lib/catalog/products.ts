import { priceText } from './money.js';
import type { Prisma } from '@prisma/client';
import type { PrismaClient } from '../db/client.js';

export interface ProductListItem {
  id: string;
  sku: string;
  name: string;
  description: string | null;
  price: string | null;
  currency: string;
  stock: number | null;
  category: string | null;
  url: string | null;
  imageUrl: string | null;
  updatedAt: string;
}

export interface ProductPage {
  items: ProductListItem[];
  total: number;
  page: number;
  pageSize: number;
  query: string;
}

/**
 * The merchant's own product list: substring search on SKU, name and category (what a person typing in a
 * search box expects; the trigram index serves these ILIKEs), tenant-scoped, paged, by name.
 */
export async function listProducts(
  prisma: PrismaClient,
  tenantId: string,
  options: { query?: string; page?: number; pageSize?: number } = {},
): Promise<ProductPage> {
  const query = options.query?.trim() ?? '';
  const page = Math.max(1, options.page ?? 1);
  const pageSize = Math.min(100, Math.max(1, options.pageSize ?? 25));
  const where: Prisma.ProductWhereInput = { tenantId, active: true };
  if (query !== '') {
    where.OR = (['sku', 'name', 'category'] as const).map((field) => ({ [field]: { contains: query, mode: 'insensitive' } }));
  }
  const [rows, total] = await Promise.all([
    prisma.product.findMany({ where, orderBy: [{ name: 'asc' }, { sku: 'asc' }], skip: (page - 1) * pageSize, take: pageSize }),
    prisma.product.count({ where }),
  ]);
  const items = rows.map((p) => ({
    id: p.id,
    sku: p.sku,
    name: p.name,
    description: p.description,
    price: p.price === null ? null : priceText(p.price.toString(), p.currency),
    currency: p.currency,
    stock: p.stock,
    category: p.category,
    url: p.url,
    imageUrl: p.imageUrl,
    updatedAt: p.updatedAt.toISOString(),
  }));
  return { items, total, page, pageSize, query };
}
