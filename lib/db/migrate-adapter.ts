import { AsyncLocalStorage } from 'node:async_hooks';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  ColumnTypeEnum,
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type Transaction,
} from '@prisma/driver-adapter-utils';
import type pg from 'pg';

/**
 * The driver adapter the Prisma CLI's Wasm schema engine (`engine: "js"` in prisma.config.ts) migrates
 * through, so `migrate dev/deploy/status/reset/diff` run without downloading native engines.
 * CLI only: the application's runtime client uses a plain PrismaPg (see client.ts).
 *
 * It fixes three @prisma/adapter-pg 6.19.3 bugs that only the schema engine hits:
 *  a. catalog columns of type `name` (oid 19) and `"char"` (oid 18) are rejected as unsupported
 *     (prisma/orm#27403); the engine introspects pg_catalog, which is full of them → `name` is read as
 *     text, `"char"` as a character: the describer reads `pg_constraint.contype` with a strict
 *     `get_expect_char` and panics (Wasm "unreachable") on text once any CHECK constraint exists.
 *  b. `executeScript` (`db execute`, resets) splits the script on every `;`, which breaks `$$ ... $$`
 *     function bodies and string literals → send the whole script as one simple-protocol query.
 *     (Migrations themselves arrive through `executeRaw` without parameters, which pg also sends as one
 *     simple query; PG runs it as one implicit transaction, and pg returns one result per statement.)
 *  c. the shadow database pool spreads `{ ...config, database }`, but a `connectionString` wins over
 *     `database` in pg, so the "shadow" connection lands in the main database; and the shadow database
 *     is dropped while its own pool still holds connections → pools are built from discrete fields and
 *     the shadow pool is closed before the drop.
 * Pinned to adapter-pg 6.19.3 (it patches the private `performIO`); re-check these on upgrade.
 */
export function createMigrateAdapter(databaseUrl: string): SqlMigrationAwareDriverAdapterFactory {
  return new MigratePgFactory(poolConfigFromUrl(databaseUrl));
}

export function poolConfigFromUrl(databaseUrl: string): pg.PoolConfig {
  const url = new URL(databaseUrl);
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new Error(`DATABASE_URL must be a postgresql:// URL, got ${url.protocol}`);
  }
  const sslmode = url.searchParams.get('sslmode');
  return {
    host: decodeURIComponent(url.hostname.replace(/^\[|\]$/g, '')) || '127.0.0.1',
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)) || 'postgres',
    // Managed Postgres URLs carry sslmode; `require` encrypts without verifying, `verify-*` verifies.
    ssl: sslmode && ['require', 'verify-ca', 'verify-full'].includes(sslmode)
      ? { rejectUnauthorized: sslmode !== 'require' }
      : undefined,
    max: 4,
    // The CLI never disposes the main adapter: without this, idle clients keep the process alive ~10 s.
    allowExitOnIdle: true,
  };
}

class MigratePgFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres';
  readonly adapterName = '@prisma/adapter-pg';

  constructor(private readonly config: pg.PoolConfig) {}

  async connect(): Promise<SqlDriverAdapter> {
    return patchAdapter(await new PrismaPg(this.config).connect());
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const admin = await new PrismaPg({ ...this.config, max: 1 }).connect();
    const database = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID()}`;
    await admin.underlyingDriver().query(`CREATE DATABASE "${database}"`);
    const shadow = patchAdapter(await new PrismaPg({ ...this.config, database }).connect());
    const closeShadowPool = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await closeShadowPool();
      try {
        await admin.underlyingDriver().query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      } finally {
        await admin.dispose();
      }
    };
    return shadow;
  }
}

type PgAdapter = Awaited<ReturnType<PrismaPg['connect']>>;
type PerformIO = (query: SqlQuery) => Promise<pg.QueryResult | pg.QueryResult[]>;
type Queryable = Pick<SqlDriverAdapter, 'queryRaw'>;

// pg_type oids: name → text; "char" → text for adapter-pg's mapping, then Character in the result.
const NAME_OID = 19;
const CHAR_OID = 18;
const TEXT_OID = 25;

/** Per queryRaw call: which result columns were `"char"` (set by performIO, read after it). */
const charColumns = new AsyncLocalStorage<number[]>();

function patchAdapter(adapter: PgAdapter): PgAdapter {
  patchCatalogTypes(adapter);
  adapter.executeScript = async (script: string) => {
    try {
      await adapter.underlyingDriver().query(script);
    } catch (error) {
      throw toDriverError(error);
    }
  };
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolationLevel) => {
    const tx: Transaction = await startTransaction(isolationLevel);
    patchCatalogTypes(tx);
    return tx;
  };
  return adapter;
}

function patchCatalogTypes(queryable: Queryable): void {
  // `performIO` is private in the .d.ts; it is the one place where pg's field oids are seen before
  // adapter-pg maps them to Prisma column types (and throws on the unknown ones).
  const target = queryable as Queryable & { performIO?: PerformIO };
  const performIO = target.performIO;
  if (typeof performIO !== 'function') {
    throw new Error('@prisma/adapter-pg internals changed: performIO not found; revisit lib/db/migrate-adapter.ts');
  }
  target.performIO = async (query: SqlQuery) => {
    const result = await performIO.call(queryable, query);
    // A multi-statement script (the engine applies migrations through executeRaw) yields one result each.
    const results = Array.isArray(result) ? result : [result];
    const chars = charColumns.getStore();
    for (const each of results) {
      (each.fields ?? []).forEach((field, index) => {
        if (field.dataTypeID === CHAR_OID) chars?.push(index);
        if (field.dataTypeID === NAME_OID || field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID;
      });
    }
    return result;
  };
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query: SqlQuery) => {
    const chars: number[] = [];
    const resultSet = await charColumns.run(chars, () => queryRaw(query));
    for (const index of chars) resultSet.columnTypes[index] = ColumnTypeEnum.Character;
    return resultSet;
  };
}

function toDriverError(error: unknown): Error {
  const e = error as Partial<pg.DatabaseError>;
  if (typeof e.code !== 'string' || typeof e.message !== 'string') return error as Error;
  return new DriverAdapterError({
    kind: 'postgres',
    code: e.code,
    severity: e.severity ?? 'ERROR',
    message: e.message,
    detail: e.detail,
    column: e.column,
    hint: e.hint,
  });
}

/**
 * Prisma's Wasm schema engine arms JS timers for its internal timeouts (10 s in `migrate deploy`, 60 s in
 * `migrate dev`) and never clears them, so a finished CLI lingers until they fire. Unref those timers:
 * they still fire while the engine works (its in-flight queries keep the process alive), but no longer
 * hold a finished process open. Only timers armed from Wasm frames and longer than a second are touched.
 */
export function unrefSchemaEngineTimers(): void {
  const marker = Symbol.for('wara.unrefSchemaEngineTimers');
  const registry = globalThis as typeof globalThis & { [marker]?: true };
  if (registry[marker]) return;
  registry[marker] = true;
  const original = globalThis.setTimeout;
  const patched = ((handler: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const timer = original(handler, ms, ...args);
    if ((ms ?? 0) >= 1000 && new Error().stack?.includes('wasm://')) timer.unref();
    return timer;
  }) as typeof setTimeout;
  globalThis.setTimeout = Object.assign(patched, original);
}
