import pg from 'pg';
import { z } from 'zod';
import type { PrismaClient } from '../db/client.js';
import { poolConfigFromUrl } from '../db/migrate-adapter.js';

/**
 * Plain `pg` connections for the catalog import's bulk work: COPY into staging and the batch upserts.
 * Prisma cannot COPY, and its raw queries with large parameters cost ~3× the time of `pg` and most of
 * the import's memory (the Wasm query compiler copies them).
 *
 * The pool must reach the very database the caller's PrismaClient uses (tests give every client its own
 * URL), and the import functions only receive that client. So the pool is derived from the client's
 * driver adapter: `createPrismaClient` builds a `PrismaPg` from a connection string, which the adapter
 * factory keeps as `config` (adapter-pg 6.19; a `PrismaPg` built on an existing pool keeps it as
 * `externalPool`, which is then used as is). Re-check on a Prisma upgrade; the catalog tests fail loudly
 * if this stops matching.
 */
const adapterSchema = z.object({
  _engineConfig: z.object({
    adapter: z.object({
      externalPool: z.instanceof(pg.Pool).nullish(),
      config: z.object({ connectionString: z.string().optional() }).loose().optional(),
    }),
  }),
});

/** Connections per client: one COPY per upload being received plus the concurrent apply batches. */
const MAX_CONNECTIONS = 4;

const pools = new WeakMap<PrismaClient, pg.Pool>();

export function catalogPool(prisma: PrismaClient): pg.Pool {
  const known = pools.get(prisma);
  if (known) return known;
  const parsed = adapterSchema.safeParse(prisma);
  const external = parsed.success ? parsed.data._engineConfig.adapter.externalPool : null;
  const url = parsed.success ? parsed.data._engineConfig.adapter.config?.connectionString : undefined;
  let pool: pg.Pool;
  if (external) {
    pool = external;
  } else if (url) {
    pool = new pg.Pool({
      ...poolConfigFromUrl(url),
      max: MAX_CONNECTIONS,
      // Imports are occasional: give connections back soon, and never keep the process alive for them.
      idleTimeoutMillis: 5_000,
      allowExitOnIdle: true,
    });
    // An idle connection dropped by the server (restart, test cluster stopped) must not crash the process;
    // the next checkout opens a new one.
    pool.on('error', () => undefined);
  } else {
    throw new Error('the catalog import needs a PrismaClient built by createPrismaClient (a PrismaPg adapter with a connection string)');
  }
  pools.set(prisma, pool);
  return pool;
}

/** Closes the pool made for this client (the benchmark, before stopping its database). */
export async function closeCatalogPool(prisma: PrismaClient): Promise<void> {
  const pool = pools.get(prisma);
  pools.delete(prisma);
  const parsed = adapterSchema.safeParse(prisma);
  if (pool && !(parsed.success && parsed.data._engineConfig.adapter.externalPool === pool)) await pool.end();
}
