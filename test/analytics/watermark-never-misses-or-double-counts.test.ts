// The cases the watermark exists for, one by one: a transaction that inserted its event before a refresh but
// commits after it; a refresh that crashes halfway (an exception before COMMIT, and its backend killed);
// refreshes running at the same time as each other and as the writers; a delivery status that arrives hours
// later (it counts for the hour the message was sent, through the real webhook code); and pruning counted
// events, which changes no rollup.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { receiveStatus } from '../../api/webhooks/status.js';
import { refreshAnalytics, refreshAnalyticsChunk } from '../../lib/analytics/refresh.js';
import { pruneAnalyticsEvents, rebuildAnalytics } from '../../lib/analytics/rebuild.js';
import { storeInbound } from '../../lib/conversations/inbound-store.js';
import { insertReplyIntent } from '../../lib/conversations/reply-store.js';
import { createPrismaClient, type PrismaClient } from '../../lib/db/client.js';
import { closeSqlPool, sqlPool } from '../../lib/db/sql.js';
import { countsFromBusinessTables, createTenant, isolatedDatabase, readRollups, rollupCounts, type IsolatedDatabase } from './support.js';

let db: IsolatedDatabase;
beforeAll(async () => {
  db = await isolatedDatabase('watermark');
});
afterAll(async () => {
  await db?.drop();
});

const HOUR = 60 * 60_000;

async function conversation(pool: pg.Pool | pg.PoolClient, tenantId: string): Promise<string> {
  const id = randomUUID();
  await pool.query(`INSERT INTO conversations (id, tenant_id, channel, customer_address, updated_at) VALUES ($1, $2, 'whatsapp', $3, now())`, [
    id, tenantId, `whatsapp:+1555${Math.floor(Math.random() * 1e7)}`,
  ]);
  return id;
}

async function inbound(pool: pg.Pool | pg.PoolClient, tenantId: string, conversationId: string, at: Date): Promise<void> {
  await pool.query(
    `INSERT INTO messages (id, tenant_id, conversation_id, direction, provider_message_sid, body, status, source, created_at, updated_at)
     VALUES ($1, $2, $3, 'inbound', $4, 'hi', 'received', 'customer', $5, $5)`,
    [randomUUID(), tenantId, conversationId, `SM${randomUUID().replaceAll('-', '')}`, at.toISOString()],
  );
}

async function count(tenantId: string, metric: string, hour: Date, dimension = ''): Promise<number | null> {
  const { rows } = await db.pool.query<{ count: number }>(
    `SELECT count FROM analytics_rollups WHERE tenant_id = $1 AND metric = $2 AND hour = $3 AND dimension = $4`,
    [tenantId, metric, hour.toISOString(), dimension],
  );
  return rows[0]?.count ?? null;
}

async function watermark() {
  const { rows } = await db.pool.query(`SELECT counted_snapshot, batch_snapshot, batch_cursor_id, last_run_at FROM analytics_watermarks WHERE name = 'analytics'`);
  return rows[0] as Record<string, unknown>;
}

describe('the refresh watermark', () => {
  it('counts an event whose transaction began before a refresh and committed after it, exactly once', async () => {
    const tenantId = await createTenant(db.pool, 'ooo');
    const conversationId = await conversation(db.pool, tenantId);
    const early = new Date('2026-04-01T09:10:00Z');
    const late = new Date('2026-04-01T10:10:00Z');
    await refreshAnalytics(db.pool);

    // A: inserts first (smaller event id) and stays open. B: inserts after, commits at once.
    const a = await db.pool.connect();
    try {
      await a.query('BEGIN');
      await inbound(a, tenantId, conversationId, early);
      await inbound(db.pool, tenantId, conversationId, late);
      const { rows: ids } = await db.pool.query<{ id: string }>(`SELECT id::text FROM analytics_events WHERE tenant_id = $1 AND metric = 'messages_in'`, [tenantId]);
      expect(ids).toHaveLength(1); // A's row is not visible yet, though its id was taken first

      await refreshAnalytics(db.pool);
      expect(await count(tenantId, 'messages_in', new Date('2026-04-01T10:00:00Z'))).toBe(1);
      expect(await count(tenantId, 'messages_in', new Date('2026-04-01T09:00:00Z'))).toBeNull();
      await refreshAnalytics(db.pool); // a second refresh while A is still open moves past B, not past A
      await a.query('COMMIT');
    } finally {
      a.release();
    }
    const { rows } = await db.pool.query<{ id: string }>(`SELECT id FROM analytics_events WHERE tenant_id = $1 AND metric = 'messages_in' ORDER BY created_at`, [tenantId]);
    expect(Number(rows[0]!.id)).toBeLessThan(Number(rows[1]!.id)); // an id watermark would have skipped A's

    await refreshAnalytics(db.pool);
    await refreshAnalytics(db.pool);
    expect(await count(tenantId, 'messages_in', new Date('2026-04-01T09:00:00Z'))).toBe(1);
    expect(await count(tenantId, 'messages_in', new Date('2026-04-01T10:00:00Z'))).toBe(1);
  });

  it('leaves nothing behind when a refresh crashes halfway, and the next run counts each event once', async () => {
    const tenantId = await createTenant(db.pool, 'crash');
    const conversationId = await conversation(db.pool, tenantId);
    await refreshAnalytics(db.pool);
    const hour = new Date('2026-04-02T08:00:00Z');
    for (let i = 0; i < 10; i++) await inbound(db.pool, tenantId, conversationId, new Date(hour.getTime() + i * 60_000));
    const before = await readRollups(db.pool);
    const markBefore = await watermark();

    // An exception after the rollups were written, before COMMIT: all of it rolls back.
    await expect(refreshAnalyticsChunk(db.pool, { maxEvents: 4, beforeCommit: async () => { throw new Error('worker lost'); } })).rejects.toThrow('worker lost');
    expect(await readRollups(db.pool)).toEqual(before);
    expect(await watermark()).toEqual(markBefore);

    // One chunk lands; the second one's backend is killed mid-transaction (a crashed worker's connection).
    await refreshAnalyticsChunk(db.pool, { maxEvents: 4 });
    expect(await count(tenantId, 'messages_in', hour)).toBe(4);
    const killed = refreshAnalyticsChunk(db.pool, {
      maxEvents: 4,
      beforeCommit: async () => {
        const { rows } = await db.pool.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()`,
        );
        for (const { pid } of rows) await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
      },
    });
    await expect(killed).rejects.toThrow();
    expect(await count(tenantId, 'messages_in', hour)).toBe(4);

    await refreshAnalytics(db.pool, { maxEvents: 4 });
    expect(await count(tenantId, 'messages_in', hour)).toBe(10);
    await refreshAnalytics(db.pool, { maxEvents: 4 });
    expect(await count(tenantId, 'messages_in', hour)).toBe(10);
  });

  it('counts exactly with refreshes running at the same time as each other and as the writers', async () => {
    const tenants = await Promise.all([0, 1, 2].map((i) => createTenant(db.pool, `together${i}`)));
    const conversations = await Promise.all(tenants.map((t) => conversation(db.pool, t)));
    let writing = true;
    const writers = tenants.map(async (tenantId, w) => {
      for (let i = 0; i < 60; i++) {
        await inbound(db.pool, tenantId, conversations[w]!, new Date(Date.UTC(2026, 3, 3, i % 24, w)));
      }
    });
    const refreshers = [7, 11, 3].map(async (chunk) => {
      while (writing) await refreshAnalyticsChunk(db.pool, { maxEvents: chunk });
    });
    await Promise.all(writers);
    writing = false;
    await Promise.all(refreshers);
    await refreshAnalytics(db.pool, { maxEvents: 5 });

    expect(Object.fromEntries(await rollupCounts(db.pool, tenants))).toEqual(Object.fromEntries(await countsFromBusinessTables(db.pool, tenants)));
    const incremental = await readRollups(db.pool);
    await rebuildAnalytics(db.pool);
    expect(await readRollups(db.pool)).toEqual(incremental);
  });

  it('moves a delivery failure reported hours later into the hour the message was sent (real webhook code)', async () => {
    const prisma: PrismaClient = createPrismaClient(db.url, { max: 2 });
    try {
      const pool = sqlPool(prisma);
      const tenantId = await createTenant(db.pool, 'late');
      const sentAt = new Date(Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR + 15 * 60_000);
      const sentHour = new Date(Math.floor(sentAt.getTime() / HOUR) * HOUR);
      const account = await pool.query<{ id: string }>(
        `INSERT INTO integration_accounts (id, tenant_id, channel, status, updated_at) VALUES ($1, $2, 'whatsapp', 'connected', now()) RETURNING id`,
        [randomUUID(), tenantId],
      );
      const inboundSid = `SM${randomUUID().replaceAll('-', '')}`;
      const stored = await storeInbound(pool, {
        tenantId, accountId: account.rows[0]!.id, channel: 'whatsapp', customerAddress: 'whatsapp:+15550001111', customerName: null,
        messageSid: inboundSid, body: 'Price of the red bag?', media: [], optOut: null,
      }, new Date(sentAt.getTime() - 4_000));
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(sentAt);
      const intent = await insertReplyIntent(prisma, {
        tenantId, conversationId: stored.conversation.id, replyToMessageSid: inboundSid, body: 'It is 40 EUR.', source: 'ai', status: 'queued',
      });
      vi.useRealTimers();

      // Twilio's callbacks, hours later: accepted (the sid attached through `?m=`), then undelivered.
      const twilio = { tenantId, accountId: account.rows[0]!.id, authToken: 'x' };
      const replySid = `SM${randomUUID().replaceAll('-', '')}`;
      const callback = (MessageStatus: string, ErrorCode?: string) =>
        receiveStatus(pool, twilio, { MessageSid: replySid, AccountSid: `AC${'0'.repeat(32)}`, MessageStatus, ErrorCode, ErrorMessage: undefined }, intent.messageId);
      await callback('sent');
      await callback('undelivered', '30008');
      await refreshAnalytics(db.pool);
      const at = (metric: string, dimension = '') => count(tenantId, metric, sentHour, dimension);
      expect(await at('messages_in')).toBe(1);
      expect(await at('conversations_started')).toBe(1);
      expect(await at('messages_out', 'ai')).toBe(1);
      expect(await at('ai_replies')).toBe(1);
      expect(await at('delivery_failures', '30008')).toBe(1);
      expect(await count(tenantId, 'delivery_failures', new Date(Math.floor(Date.now() / HOUR) * HOUR), '30008')).toBeNull();
      // Billing counted one reply (usage_counters), at the reply's time.
      expect(await at('replies_used')).toBe(1);
      // First response: from the customer's message to the moment Twilio took the reply (the callback, now).
      const { rows } = await db.pool.query<{ sum: string; count: number }>(
        `SELECT sum(sum)::text AS sum, sum(count)::int AS count FROM analytics_rollups WHERE tenant_id = $1 AND metric = 'first_response_ms'`, [tenantId]);
      expect(rows[0]!.count).toBe(1);
      expect(Number(rows[0]!.sum)).toBeGreaterThan(3 * HOUR - 20 * 60_000);

      // A later "read" overtakes undelivered (Twilio does send it): the failure is taken back, in that same hour.
      await callback('read');
      await refreshAnalytics(db.pool);
      expect(await at('delivery_failures', '30008')).toBe(0);
      expect(await at('messages_out', 'ai')).toBe(1);
    } finally {
      vi.useRealTimers();
      await closeSqlPool(prisma);
      await prisma.$disconnect();
    }
  });

  it('prunes counted events without changing a rollup; a rebuild keeps the pruned hours as they were', async () => {
    const tenantId = await createTenant(db.pool, 'prune');
    const conversationId = await conversation(db.pool, tenantId);
    for (const day of [1, 2, 3]) await inbound(db.pool, tenantId, conversationId, new Date(Date.UTC(2026, 4, day, 12)));
    await refreshAnalytics(db.pool);
    const open = await db.pool.connect();
    try {
      // Not counted yet when the prune runs: kept, and counted afterwards.
      await open.query('BEGIN');
      await inbound(open, tenantId, conversationId, new Date(Date.UTC(2026, 4, 1, 13)));
      const before = await readRollups(db.pool);
      const pruned = await pruneAnalyticsEvents(db.pool, new Date(Date.UTC(2026, 4, 2, 0, 30)));
      expect(pruned.prunedBefore.toISOString()).toBe('2026-05-02T00:00:00.000Z');
      expect(pruned.deleted).toBeGreaterThanOrEqual(1);
      expect(await readRollups(db.pool)).toEqual(before);
      await open.query('COMMIT');
    } finally {
      open.release();
    }
    await refreshAnalytics(db.pool);
    expect(await count(tenantId, 'messages_in', new Date(Date.UTC(2026, 4, 1, 13)))).toBe(1);
    const counted = await readRollups(db.pool);
    await rebuildAnalytics(db.pool);
    expect(await readRollups(db.pool)).toEqual(counted);
    expect(await count(tenantId, 'messages_in', new Date(Date.UTC(2026, 4, 1, 12)))).toBe(1);
  });
});
