import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../../lib/db/client.js';
import { resetDatabase, startTestDatabase, type TestDatabase } from '../support/database.js';

// Owns its cluster (not the shared one): it proves startTestDatabase itself and truncates everything.
describe('migrations on a fresh embedded Postgres', () => {
  let database: TestDatabase;
  let prisma: PrismaClient;

  beforeAll(async () => {
    database = await startTestDatabase();
    prisma = createPrismaClient(database.url, { max: 2 });
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await database?.stop();
  });

  it('applies every migration in prisma/migrations', async () => {
    const onDisk = readdirSync(new URL('../../prisma/migrations', import.meta.url), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    const applied = await prisma.$queryRaw<Array<{ migration_name: string }>>`
      SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name`;
    expect(applied.map((row) => row.migration_name)).toEqual(onDisk);
  });

  it('creates the domain tables, the search column and the hand-written constraints', async () => {
    const tables = await prisma.$queryRaw<Array<{ name: string }>>`
      SELECT tablename::text AS name FROM pg_tables WHERE schemaname = 'public'`;
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['tenants', 'users', 'sessions', 'messages', 'products', 'audit_logs', 'email_outbox']),
    );
    const generated = await prisma.$queryRaw<Array<{ generated: string }>>`
      SELECT attgenerated::text AS generated FROM pg_attribute
      WHERE attrelid = 'products'::regclass AND attname = 'search_vector'`;
    expect(generated).toEqual([{ generated: 's' }]);

    const tenant = await prisma.tenant.create({ data: { name: 'Shop', slug: 'shop-case' } });
    await expect(
      prisma.user.create({ data: { tenantId: tenant.id, email: 'Mixed@Case.example' } }),
    ).rejects.toThrow(/users_email_lowercase_check/);
  });

  it('resetDatabase empties application tables but keeps the migration history', async () => {
    await prisma.tenant.create({ data: { name: 'Gone soon', slug: 'gone-soon' } });
    await resetDatabase(prisma);
    expect(await prisma.tenant.count()).toBe(0);
    const history = await prisma.$queryRaw<Array<{ count: bigint }>>`SELECT count(*) FROM _prisma_migrations`;
    expect(Number(history[0]?.count)).toBeGreaterThan(0);
  });
});
