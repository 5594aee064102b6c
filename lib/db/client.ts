import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@prisma/client';
import { z } from 'zod';

export { Prisma, PrismaClient } from '@prisma/client';

export interface PrismaClientOptions {
  /** Pool size; keep small in tests (many clients, one small cluster). */
  max?: number;
}

const databaseUrlSchema = z
  .string()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), 'DATABASE_URL must be a postgresql:// URL');

/**
 * The runtime client: the generator's `engineType = "client"` plus the pg driver adapter means no
 * native query engine at all (none can be downloaded on our machines, and none is needed).
 * Raw SQL note: adapter-pg 6.19 cannot decode Postgres `name` columns (pg_catalog) — cast them `::text`.
 */
export function createPrismaClient(databaseUrl: string, options: PrismaClientOptions = {}): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: databaseUrlSchema.parse(databaseUrl),
    max: options.max ?? 10,
    // Bounds, so a database that stops answering fails a request in seconds instead of hanging it: waiting
    // for a connection, one statement, and a transaction left open by a stuck caller.
    connectionTimeoutMillis: 5_000,
    statement_timeout: 30_000,
    idle_in_transaction_session_timeout: 60_000,
  });
  const client = new PrismaClient({ adapter });
  databaseUrls.set(client, databaseUrl);
  return client;
}

const databaseUrls = new WeakMap<PrismaClient, string>();

/** The URL a client was built with: plain-`pg` pools for hot paths reach the very same database. */
export function databaseUrlOf(prisma: PrismaClient): string | undefined {
  return databaseUrls.get(prisma);
}
