import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../../lib/db/client.js';

// Retrieval for the AI prompt leans on products.search_vector (generated column + GIN index).
describe('product full-text search', () => {
  let prisma: PrismaClient;
  let tenantId: string;
  let otherTenantId: string;

  beforeAll(async () => {
    prisma = createPrismaClient(inject('databaseUrl'), { max: 2 });
    tenantId = (await prisma.tenant.create({ data: { name: 'Runner', slug: `fts-${randomUUID()}` } })).id;
    otherTenantId = (await prisma.tenant.create({ data: { name: 'Other', slug: `fts-${randomUUID()}` } })).id;
    await prisma.product.createMany({
      data: [
        { tenantId, sku: 'SOCK-01', name: 'Wool hiking socks', description: 'Warm socks for trail running', price: '9.99' },
        { tenantId, sku: 'SHOE-42', name: 'Trail running shoes', description: 'Grippy shoes for muddy trails', category: 'Shoes', price: '129.00' },
        { tenantId, sku: 'CAP-07', name: 'Sun cap', description: 'Light cap for running in summer', price: '19.50' },
        // Same words, other tenant: must never show up.
        { tenantId: otherTenantId, sku: 'SHOE-99', name: 'Trail running shoes deluxe', price: '199.00' },
      ],
    });
  });

  afterAll(async () => {
    await prisma?.tenant.deleteMany({ where: { id: { in: [tenantId, otherTenantId] } } });
    await prisma?.$disconnect();
  });

  async function search(query: string) {
    return prisma.$queryRaw<Array<{ sku: string; rank: number }>>`
      SELECT sku, ts_rank(search_vector, q) AS rank
      FROM products, websearch_to_tsquery('english', ${query}) AS q
      WHERE tenant_id = ${tenantId} AND search_vector @@ q
      ORDER BY rank DESC, sku`;
  }

  it('ranks the product whose name matches above ones that only mention the words', async () => {
    const results = await search('trail running shoes');
    expect(results[0]?.sku).toBe('SHOE-42');
    expect(results.map((r) => r.sku)).not.toContain('SHOE-99');
  });

  it('matches stemmed words and exact SKUs', async () => {
    expect((await search('sock'))[0]?.sku).toBe('SOCK-01');
    expect((await search('CAP-07'))[0]?.sku).toBe('CAP-07');
  });

  it('keeps the generated column current when a product is renamed', async () => {
    await prisma.product.update({ where: { tenantId_sku: { tenantId, sku: 'CAP-07' } }, data: { name: 'Rain poncho' } });
    expect((await search('poncho')).map((r) => r.sku)).toEqual(['CAP-07']);
  });
});
