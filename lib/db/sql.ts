// Plain `pg` beside Prisma, for the hot paths (webhook ingest, reply drafting and sending). Prisma's Wasm
// query compiler costs a few ms of CPU per query, which made it the largest single CPU consumer per reply
// (bench/README.md); a prepared `pg` statement costs a fraction of that. Prisma stays the tool for
// everything else (dashboard, accounts, onboarding), where readability wins over microseconds.
import pg from 'pg';
import { databaseUrlOf, type PrismaClient } from './client.js';
import { poolConfigFromUrl } from './migrate-adapter.js';

/** Per client: the hot paths of one process share this many connections (Prisma keeps its own pool). */
const MAX_CONNECTIONS = 10;

/** Per client: the shared pool under '', and one pool per distinct set of session settings. */
const pools = new WeakMap<PrismaClient, Map<string, pg.Pool>>();

export interface SqlPoolOptions {
  /**
   * Session settings every connection of the pool starts with (pg's startup `options: -c name=value`),
   * for a query that needs one: it then runs as one statement instead of BEGIN / set_config(…, true) /
   * query / COMMIT. Such a pool is its own pool (per client and settings): the shared pool's users never
   * see the settings. Plain words only (no spaces or backslashes). A pooler in transaction mode
   * (PgBouncer) may refuse startup options; such a deployment would need the transaction instead.
   */
  settings?: Readonly<Record<string, string>>;
}

/** The `pg` pool for the database this PrismaClient uses (tests give each client its own database). */
export function sqlPool(prisma: PrismaClient, options: SqlPoolOptions = {}): pg.Pool {
  const settings = Object.entries(options.settings ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  const key = settings.map(([name, value]) => `-c ${name}=${value}`).join(' ');
  let byKey = pools.get(prisma);
  const known = byKey?.get(key);
  if (known) return known;
  const url = databaseUrlOf(prisma);
  if (!url) throw new Error('plain SQL needs a PrismaClient built by createPrismaClient (it knows the database URL)');
  if (settings.some(([name, value]) => !/^[\w.]+$/.test(name) || !/^[\w.:+-]+$/.test(value))) {
    throw new Error(`unsupported session settings: ${key}`);
  }
  const pool = new pg.Pool({
    ...poolConfigFromUrl(url),
    max: MAX_CONNECTIONS,
    idleTimeoutMillis: 10_000,
    // The hot paths' statements take milliseconds: seconds means the database is in trouble; fail and retry.
    connectionTimeoutMillis: 5_000,
    statement_timeout: 15_000,
    allowExitOnIdle: true,
    types: utcTimestamps,
    ...(key ? { options: key } : {}),
  });
  // An idle connection dropped by the server (restart, a test cluster stopped) must not crash the process;
  // the next checkout opens a new one.
  pool.on('error', () => undefined);
  if (!byKey) pools.set(prisma, (byKey = new Map()));
  byKey.set(key, pool);
  return pool;
}

/**
 * Prisma's DateTime columns are `timestamp(3)` WITHOUT time zone holding UTC. `pg` would read them as the
 * process's local time; read them as UTC, whatever TZ the process runs in. Writes use
 * `now() AT TIME ZONE 'UTC'` or `$n::timestamptz AT TIME ZONE 'UTC'` for the same reason.
 */
const TIMESTAMP_OID = 1114;
const utcTimestamps: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMP_OID ? (text: string) => new Date(`${text.replace(' ', 'T')}Z`) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** Closes the pools made for this client, if any (process shutdown, tests). */
export async function closeSqlPool(prisma: PrismaClient): Promise<void> {
  const byKey = pools.get(prisma);
  pools.delete(prisma);
  await Promise.all([...(byKey?.values() ?? [])].map((pool) => pool.end()));
}

/**
 * A unique violation, from either client: Postgres' SQLSTATE 23505 through `pg` (a second intent for the same
 * inbound sid), or Prisma's P2002 (a second import with the same upload id).
 */
export function isUniqueViolation(err: unknown): boolean {
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return code === '23505' || code === 'P2002';
}

/** SQLSTATEs and socket errors that mean "the database is not answering", not "this query is wrong". */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', 'P1001', 'P1002', 'P1017']);

/**
 * The database is unreachable, restarting or not answering in time (through `pg`, a pool's connect timeout,
 * or Prisma's driver adapter, which wraps the cause): the caller should answer 503 and let the client
 * retry, not report a bug. (Twilio retries a webhook only within a 15-second budget: webhooks are kept in the
 * spool instead, api/webhooks/spool.ts.)
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let current: unknown = err, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    if (/timeout exceeded when trying to connect|Connection terminated|Can't reach database server/i.test(current.message)) return true;
  }
  return false;
}
