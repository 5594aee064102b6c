// Cross-language retrieval, measured: what each way of finding "Leather Backpack" for "mochila de cuero"
// costs per customer question on a 100k-product catalog, in one run on one machine.
//   1. understanding + full-text search (what WARA does): one small model call turns the question into
//      catalog-language terms (not timed here: it is a network call either way), then the existing
//      FTS + trigram query (lib/catalog/retrieve.ts). Timed: that query.
//   2. embeddings without a vector index: the embedded PostgreSQL 17 has no pgvector, so a vector search is
//      a scan of every product's vector (256 dims, text-embedding-3-small's shortest useful size). Timed:
//      that scan in SQL. (Embeddings also cost a model call per question and one per changed product.)
//   tsx bench/retrieval.ts [--products 100000]
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { retrieveProducts } from '../lib/catalog/retrieve.js';
import { createPrismaClient } from '../lib/db/client.js';
import { closeSqlPool, sqlPool } from '../lib/db/sql.js';
import { startEmbeddedPostgres } from '../scripts/devstack/embedded-postgres.js';
import { findFreePort, migrateDeploy } from '../test/support/database.js';

const args = z
  .object({ products: z.coerce.number().int().min(1000).default(100_000), dims: z.coerce.number().int().min(16).default(256) })
  .parse(parseArgs({ options: { products: { type: 'string' }, dims: { type: 'string' } } }).values);

const dir = await mkdtemp(path.join(tmpdir(), 'wara-bench-retrieval-'));
await chmod(dir, 0o755);
const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await findFreePort(), logFile: path.join(dir, 'pg.log') });
await migrateDeploy(pg.url);
const prisma = createPrismaClient(pg.url, { max: 4 });
const sql = sqlPool(prisma);

try {
  const tenant = await prisma.tenant.create({ data: { name: 'Bench shop', slug: `bench-${Date.now()}` } });
  const kinds = ['Leather Backpack', 'Canvas Tote Bag', 'Leather Wallet', 'Cotton T-Shirt', 'Wool Scarf', 'Ceramic Coffee Mug', 'Running Sneakers', 'Denim Jacket'];
  console.log(`seeding ${args.products} products with ${args.dims}-dim vectors…`);
  await sql.query(
    `INSERT INTO products (id, tenant_id, sku, name, price, currency, active, created_at, updated_at)
     SELECT 'p' || g, $1, 'SKU-' || g, ($2::text[])[1 + g % array_length($2::text[], 1)] || ' model ' || g, 10 + g % 90, 'USD', true, now(), now()
     FROM generate_series(1, $3) AS g`,
    [tenant.id, kinds, args.products],
  );
  await sql.query(`CREATE TABLE bench_vectors (product_id text PRIMARY KEY, tenant_id text NOT NULL, v real[] NOT NULL)`);
  await sql.query(
    `INSERT INTO bench_vectors SELECT id, tenant_id, (SELECT array_agg(random()::real) FROM generate_series(1, $2) WHERE products.id IS NOT NULL)
     FROM products WHERE tenant_id = $1`,
    [tenant.id, args.dims],
  );
  await sql.query('ANALYZE');

  const questions = ['leather backpack', 'canvas tote bag', 'coffee mug', 'wool scarf', 'denim jacket', 'running sneakers', 'leather wallet', 'cotton t-shirt'];
  const fts = await timeEach(questions.length * 3, (i) => retrieveProducts(prisma, tenant.id, questions[i % questions.length]!, 5));
  const vector = Array.from({ length: args.dims }, () => Math.random());
  const scan = await timeEach(5, () =>
    sql.query(
      `SELECT product_id, (SELECT sum(a * b) FROM unnest(v, $2::real[]) AS t(a, b)) AS score
       FROM bench_vectors WHERE tenant_id = $1 ORDER BY score DESC LIMIT 5`,
      [tenant.id, vector],
    ),
  );
  const { rows } = await sql.query<{ mb: string }>(`SELECT round(pg_total_relation_size('bench_vectors') / 1048576.0) AS mb`);

  console.log(`\nretrieval for one question, ${args.products} products (same run, same machine):`);
  console.log(`  FTS + trigram (WARA, after understanding)   p50 ${fts.p50.toFixed(1)} ms   p95 ${fts.p95.toFixed(1)} ms`);
  console.log(`  vector scan, no index (${args.dims} dims)          p50 ${scan.p50.toFixed(1)} ms   p95 ${scan.p95.toFixed(1)} ms   (${(scan.p50 / fts.p50).toFixed(0)}× the FTS query)`);
  console.log(`  vector storage                               ${rows[0]?.mb ?? '?'} MB for one tenant's vectors`);
} finally {
  await closeSqlPool(prisma);
  await prisma.$disconnect();
  await pg.stop();
  await rm(dir, { recursive: true, force: true });
}

async function timeEach(n: number, run: (i: number) => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  await run(0); // warm-up: prepared statements, caches
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await run(i);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length / 2)]!, p95: times[Math.min(times.length - 1, Math.floor(times.length * 0.95))]! };
}
