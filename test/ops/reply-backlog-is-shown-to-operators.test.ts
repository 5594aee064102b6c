// On call during a viral post: which shops' AI replies are running late, how long the oldest message has
// waited, and how many messages were left to merchants in the last hour because a shop's backlog was full.
// Operators see every shop (the ops API and /metrics); a merchant gets none of it. Its own database, so the
// totals are exactly what this file wrote.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedDatabase, type IsolatedDatabase } from '../analytics/support.js';
import { authHeaders, signUp, startTestApi, type TestApi, type TestSession } from '../support/api.js';
import { logInOperator } from '../support/operators.js';

let db: IsolatedDatabase;
let api: TestApi;
let operator: TestSession;
let merchant: TestSession;
const shops: Record<'late' | 'shed' | 'calm', TestSession> = {} as Record<'late' | 'shed' | 'calm', TestSession>;

beforeAll(async () => {
  db = await isolatedDatabase('backlog');
  api = await startTestApi({ DATABASE_URL: db.url });
  operator = await logInOperator(api.app, api.prisma);
  merchant = await signUp(api.app, { companyName: 'Merchant Looking' });
  shops.late = await signUp(api.app, { companyName: 'Viral Sneakers' });
  shops.shed = await signUp(api.app, { companyName: 'Flooded Florist' });
  shops.calm = await signUp(api.app, { companyName: 'Calm Candles' });
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

const SECOND = 1000;

async function conversation(pool: pg.Pool, tenantId: string): Promise<string> {
  const id = randomUUID();
  await pool.query(`INSERT INTO conversations (id, tenant_id, channel, customer_address, updated_at) VALUES ($1, $2, 'whatsapp', $3, now())`, [
    id, tenantId, `whatsapp:+1555${Math.floor(Math.random() * 1e7)}`,
  ]);
  return id;
}

/** A customer message, `agoMs` old, with its reason for no reply (if any) and its waiting hand-off (if any). */
async function message(pool: pg.Pool, tenantId: string, agoMs: number, opts: { shed?: boolean; waiting?: boolean } = {}): Promise<void> {
  const conversationId = await conversation(pool, tenantId);
  const sid = `SM${randomUUID().replaceAll('-', '')}`;
  const at = new Date(Date.now() - agoMs).toISOString();
  await pool.query(
    `INSERT INTO messages (id, tenant_id, conversation_id, direction, provider_message_sid, body, status, source, no_reply_reason, created_at, updated_at)
     VALUES ($1, $2, $3, 'inbound', $4, 'is it in stock?', 'received', 'customer', $5, ($6::timestamptz AT TIME ZONE 'UTC'), ($6::timestamptz AT TIME ZONE 'UTC'))`,
    [randomUUID(), tenantId, conversationId, sid, opts.shed ? 'overloaded' : null, at],
  );
  if (opts.waiting) {
    await pool.query(`INSERT INTO inbound_handoffs (message_sid, tenant_id, conversation_id, created_at) VALUES ($1, $2, $3, ($4::timestamptz AT TIME ZONE 'UTC'))`, [
      sid, tenantId, conversationId, at,
    ]);
  }
}

type Backlog = {
  shops: Array<{ tenantId: string; tenantName: string; waiting: number; oldestWaitingSeconds: number | null; delayed: boolean; notAnsweredLastHour: number }>;
  totals: { waiting: number; oldestWaitingSeconds: number | null; shopsDelayed: number; notAnsweredLastHour: number };
  delayedAfterSeconds: number;
};

describe('the reply backlog, for operators', () => {
  it('is empty when every shop is answered on time', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/api/ops/reply-backlog', headers: authHeaders(operator) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<Backlog>()).toEqual({ shops: [], totals: { waiting: 0, oldestWaitingSeconds: null, shopsDelayed: 0, notAnsweredLastHour: 0 }, delayedAfterSeconds: 30 });
  });

  it('lists the shops running late (longest wait first), then those that had messages shed in the last hour', async () => {
    // Viral Sneakers: three customers waiting, the oldest for 45 s. Flooded Florist: one waiting for 5 s, two
    // shed ten minutes ago, one shed two hours ago (outside the hour), and a merchant's takeover waiting (not
    // a customer message). Calm Candles: an answered message and nothing waiting.
    await message(db.pool, shops.late.tenantId, 45 * SECOND, { waiting: true });
    await message(db.pool, shops.late.tenantId, 20 * SECOND, { waiting: true });
    await message(db.pool, shops.late.tenantId, 1 * SECOND, { waiting: true });
    await message(db.pool, shops.shed.tenantId, 5 * SECOND, { waiting: true });
    await message(db.pool, shops.shed.tenantId, 600 * SECOND, { shed: true });
    await message(db.pool, shops.shed.tenantId, 610 * SECOND, { shed: true });
    await message(db.pool, shops.shed.tenantId, 7200 * SECOND, { shed: true });
    const held = await conversation(db.pool, shops.shed.tenantId);
    await db.pool.query(`INSERT INTO inbound_handoffs (message_sid, tenant_id, conversation_id, kind, payload, created_at) VALUES ($1, $2, $3, 'takeover', '{"by":"x"}', now() - interval '2 minutes')`, [
      `takeover:${randomUUID()}`, shops.shed.tenantId, held,
    ]);
    await message(db.pool, shops.calm.tenantId, 30 * SECOND);

    const res = await api.app.inject({ method: 'GET', url: '/api/ops/reply-backlog', headers: authHeaders(operator) });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<Backlog>();
    expect(body.shops.map((s) => [s.tenantName, s.waiting, s.delayed, s.notAnsweredLastHour])).toEqual([
      ['Viral Sneakers', 3, true, 0],
      ['Flooded Florist', 1, false, 2],
    ]);
    expect(body.shops[0]!.oldestWaitingSeconds).toBeGreaterThanOrEqual(45);
    expect(body.shops[0]!.oldestWaitingSeconds).toBeLessThan(120);
    expect(body.shops[1]!.oldestWaitingSeconds).toBeGreaterThanOrEqual(5);
    expect(body.shops[1]!.oldestWaitingSeconds).toBeLessThan(45);
    expect(body.totals).toEqual({ waiting: 4, oldestWaitingSeconds: body.shops[0]!.oldestWaitingSeconds, shopsDelayed: 1, notAnsweredLastHour: 2 });

    // The same totals on /metrics, for an alert that pages before merchants call.
    const metrics = (await api.app.inject({ method: 'GET', url: '/metrics', headers: authHeaders(operator) })).body;
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(gauge('wara_reply_backlog_messages')).toBe(4);
    expect(gauge('wara_reply_backlog_shops_delayed')).toBe(1);
    expect(gauge('wara_replies_shed_last_hour')).toBe(2);
    expect(gauge('wara_reply_backlog_oldest_seconds')).toBeGreaterThanOrEqual(45);
  });

  it('is refused to a merchant, and to nobody signed in', async () => {
    const asMerchant = await api.app.inject({ method: 'GET', url: '/api/ops/reply-backlog', headers: authHeaders(merchant) });
    expect(asMerchant.statusCode).toBe(403);
    expect(asMerchant.body).not.toContain('Viral Sneakers');
    const anonymous = await api.app.inject({ method: 'GET', url: '/api/ops/reply-backlog' });
    expect(anonymous.statusCode).toBe(401);
  });
});
