// Helpers for the analytics tests: a database of their own (the watermark and the platform rollups are
// global, so exact comparisons need a database no other test file writes to), the rollups as plain rows,
// and the same numbers counted straight from the business tables.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { migrateDeploy } from '../support/database.js';

export interface IsolatedDatabase {
  url: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

/** A new database in the shared test cluster, migrated with the real `prisma migrate deploy` (~4 s). */
export async function isolatedDatabase(label: string): Promise<IsolatedDatabase> {
  const shared = new URL(inject('databaseUrl'));
  const name = `analytics_${label}_${randomUUID().slice(0, 8)}`.replace(/[^a-z0-9_]/g, '_');
  const admin = new pg.Client({ connectionString: shared.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(shared);
  url.pathname = `/${name}`;
  await migrateDeploy(url.toString());
  const pool = new pg.Pool({ connectionString: url.toString(), max: 8, types: utcTimestamps, lock_timeout: 10_000 });
  pool.on('error', () => undefined);
  return {
    url: url.toString(),
    pool,
    drop: async () => {
      await pool.end();
      const cleanup = new pg.Client({ connectionString: shared.toString() });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** `timestamp` columns hold UTC (as lib/db/sql.ts reads them). */
export const utcTimestamps: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 1114 ? (text: string) => new Date(`${text.replace(' ', 'T')}Z`) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export interface RollupTables {
  tenants: string[];
  days: string[];
  platform: string[];
}

/** Every rollup row as `tenant|hour|metric|dimension|count|sum`, sorted: equal tables give equal lists. */
export async function readRollups(pool: pg.Pool | pg.PoolClient, tenantIds?: readonly string[]): Promise<RollupTables> {
  const tenants = await pool.query<{ row: string }>(
    `SELECT concat_ws('|', tenant_id, to_char(hour, 'YYYY-MM-DD"T"HH24'), metric, dimension, count, sum) AS row
     FROM analytics_rollups WHERE $1::text[] IS NULL OR tenant_id = ANY($1) ORDER BY 1`,
    [tenantIds ?? null],
  );
  const days = await pool.query<{ row: string }>(
    `SELECT concat_ws('|', tenant_id, day::text, metric, dimension, count, sum) AS row
     FROM analytics_daily_rollups WHERE $1::text[] IS NULL OR tenant_id = ANY($1) ORDER BY 1`,
    [tenantIds ?? null],
  );
  const platform = await pool.query<{ row: string }>(
    `SELECT concat_ws('|', to_char(hour, 'YYYY-MM-DD"T"HH24'), metric, dimension, count, sum) AS row FROM analytics_platform_rollups ORDER BY 1`,
  );
  return { tenants: tenants.rows.map((r) => r.row), days: days.rows.map((r) => r.row), platform: platform.rows.map((r) => r.row) };
}

/** Daily rollups that are not the sum of their tenant's hourly rollups in its current zone (should be none). */
export async function dailyRollupsOffTheirHours(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ row: string }>(
    `WITH derived AS (
       SELECT g.tenant_id, ((g.hour AT TIME ZONE 'UTC') AT TIME ZONE t.time_zone)::date AS day, g.metric, g.dimension,
              sum(g.count)::int AS count, sum(g.sum)::bigint AS sum
       FROM analytics_rollups g JOIN tenants t ON t.id = g.tenant_id GROUP BY 1, 2, 3, 4
     ), kept AS (SELECT tenant_id, day, metric, dimension, count, sum FROM analytics_daily_rollups)
     SELECT concat_ws('|', 'kept', k.*) AS row FROM (SELECT * FROM kept EXCEPT ALL SELECT * FROM derived) AS k
     UNION ALL
     SELECT concat_ws('|', 'derived', d.*) FROM (SELECT * FROM derived EXCEPT ALL SELECT * FROM kept) AS d`,
  );
  return rows.map((r) => r.row);
}

/** Non-zero rollup counts per `tenant|hour|metric|dimension` (zero rows: a fact that came and went). */
export async function rollupCounts(pool: pg.Pool, tenantIds: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ key: string; count: number }>(
    `SELECT concat_ws('|', tenant_id, to_char(hour, 'YYYY-MM-DD"T"HH24'), metric, dimension) AS key, count
     FROM analytics_rollups WHERE tenant_id = ANY($1) AND metric <> 'first_response_ms' AND count <> 0`,
    [tenantIds],
  );
  return new Map(rows.map((r) => [r.key, r.count]));
}

/**
 * The same counts straight from messages, conversations and usage (the business tables), by the metrics'
 * definitions. Conversation flags are counted as "is set now" (the generators never turn them off), usage
 * as the counter's value at the hour of its last change (the generators change each counter once).
 */
export async function countsFromBusinessTables(pool: pg.Pool, tenantIds: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ key: string; count: number }>(
    `WITH facts AS (
       SELECT m.tenant_id, date_trunc('hour', m.created_at) AS hour, f.metric, f.dimension
       FROM messages m CROSS JOIN LATERAL analytics_message_facts(m) f WHERE m.tenant_id = ANY($1)
       UNION ALL
       SELECT c.tenant_id, date_trunc('hour', c.created_at), 'conversations_started', '' FROM conversations c WHERE c.tenant_id = ANY($1)
       UNION ALL
       SELECT c.tenant_id, date_trunc('hour', c.opted_out_at), 'opt_outs', '' FROM conversations c WHERE c.tenant_id = ANY($1) AND c.opted_out
       UNION ALL
       SELECT c.tenant_id, date_trunc('hour', c.ai_paused_at), 'takeovers', '' FROM conversations c WHERE c.tenant_id = ANY($1) AND c.ai_paused
     )
     SELECT concat_ws('|', tenant_id, to_char(hour, 'YYYY-MM-DD"T"HH24'), metric, dimension) AS key, count(*)::int AS count
     FROM facts GROUP BY 1
     UNION ALL
     SELECT concat_ws('|', tenant_id, to_char(date_trunc('hour', updated_at), 'YYYY-MM-DD"T"HH24'), 'replies_used', ''), sum(replies)::int
     FROM usage_counters WHERE tenant_id = ANY($1) AND replies <> 0 GROUP BY 1`,
    [tenantIds],
  );
  return new Map(rows.map((r) => [r.key, r.count]));
}

export async function createTenant(pool: pg.Pool, label: string, timeZone = 'UTC'): Promise<string> {
  const id = `t_${label}_${randomUUID().slice(0, 8)}`;
  await pool.query(`INSERT INTO tenants (id, name, slug, time_zone, updated_at) VALUES ($1, $2, $1, $3, now())`, [id, `Shop ${label}`, timeZone]);
  return id;
}

let customers = 0;

/**
 * Some of a shop's traffic through the business tables (their triggers write the analytics events): `turns`
 * customers 37 minutes apart from `start`, each a new conversation with one message and an AI reply 40 s
 * later, sent, or refused by Twilio with 30008 (every fifth), or the fallback answer (every fourth).
 */
export async function writeShopTraffic(pool: pg.Pool, tenantId: string, start: Date, turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) {
    const customer = ++customers;
    const conversationId = randomUUID();
    const at = new Date(start.getTime() + i * 37 * 60_000);
    const replyAt = new Date(at.getTime() + 40_000);
    const sid = `SM${randomUUID().replaceAll('-', '')}`;
    const failed = i % 5 === 3;
    await pool.query(`INSERT INTO conversations (id, tenant_id, channel, customer_address, created_at, updated_at) VALUES ($1, $2, 'whatsapp', $3, $4, $4)`, [
      conversationId, tenantId, `whatsapp:+1555${String(customer).padStart(7, '0')}`, at.toISOString(),
    ]);
    await pool.query(
      `INSERT INTO messages (id, tenant_id, conversation_id, direction, provider_message_sid, turn_key_sid, body, status, source, created_at, updated_at)
       VALUES ($1, $2, $3, 'inbound', $4, $4, 'hi', 'received', 'customer', $5, $5)`,
      [randomUUID(), tenantId, conversationId, sid, at.toISOString()],
    );
    await pool.query(
      `INSERT INTO messages (id, tenant_id, conversation_id, direction, reply_to_message_sid, provider_message_sid, body, status, source, fallback, error_code, created_at, updated_at)
       VALUES ($1, $2, $3, 'outbound', $4, $5, 'answer', $6::message_status, 'ai', $7, $8, $9, $9)`,
      [randomUUID(), tenantId, conversationId, sid, failed ? null : `SM${randomUUID().replaceAll('-', '')}`, failed ? 'failed' : 'sent', i % 4 === 1, failed ? '30008' : null, replyAt.toISOString()],
    );
  }
}
