import pg from 'pg';
import { databaseUrlOf, type PrismaClient } from '../db/client.js';
import { poolConfigFromUrl } from '../db/migrate-adapter.js';

/**
 * Plain `pg` connections for the catalog import's bulk work: COPY into staging and the batch upserts.
 * Prisma cannot COPY, and its raw queries with large parameters cost ~3× the time of `pg` and most of
 * the import's memory (the Wasm query compiler copies them).
 *
 * The pool reaches the very database the caller's PrismaClient uses (tests give every client its own
 * URL): `createPrismaClient` records the URL it was built with, as for the hot paths' pool
 * (lib/db/sql.ts). A pool of its own, not that one: an upload holds a connection for as long as its file
 * takes to arrive, and must not take the hot paths' connections with it.
 */

/** Connections per client: one COPY per upload being received plus the concurrent apply batches. */
const MAX_CONNECTIONS = 4;

const pools = new WeakMap<PrismaClient, pg.Pool>();

export function catalogPool(prisma: PrismaClient): pg.Pool {
  const known = pools.get(prisma);
  if (known) return known;
  const url = databaseUrlOf(prisma);
  if (!url) throw new Error('the catalog import needs a PrismaClient built by createPrismaClient (it knows the database URL)');
  const pool = new pg.Pool({
    ...poolConfigFromUrl(url),
    max: MAX_CONNECTIONS,
    // Imports are occasional: give connections back soon, and never keep the process alive for them.
    idleTimeoutMillis: 5_000,
    // A free connection is awaited this long (uploads are cut off when too slow, so one frees up), then 503.
    connectionTimeoutMillis: 20_000,
    // The staging COPY lasts as long as the file takes to arrive; the upload's own deadline bounds it.
    statement_timeout: 20 * 60_000,
    allowExitOnIdle: true,
  });
  // An idle connection dropped by the server (restart, test cluster stopped) must not crash the process;
  // the next checkout opens a new one.
  pool.on('error', () => undefined);
  pools.set(prisma, pool);
  return pool;
}

/** Closes the pool made for this client (the benchmark, before stopping its database). */
export async function closeCatalogPool(prisma: PrismaClient): Promise<void> {
  const pool = pools.get(prisma);
  pools.delete(prisma);
  await pool?.end();
}
