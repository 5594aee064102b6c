// The property the issue asks for: over a random stream of business writes (customer messages, AI replies,
// sends, status callbacks that arrive late and overturn each other, opt-outs, takeovers, usage), committed in
// a random order by overlapping transactions (some rolled back), interleaved with refreshes in random chunk
// sizes (two at once, some crashing before their commit), the rollups are EXACTLY what a full rebuild from the
// event log gives, and their counts are exactly what the business tables say.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshAnalytics, refreshAnalyticsChunk } from '../../lib/analytics/refresh.js';
import { rebuildAnalytics, setTenantTimeZone } from '../../lib/analytics/rebuild.js';
import { countsFromBusinessTables, createTenant, dailyRollupsOffTheirHours, isolatedDatabase, readRollups, rollupCounts, type IsolatedDatabase } from './support.js';

/** Whole-hour, half-hour and three-quarter-hour offsets, and DST. */
const ZONES = ['UTC', 'America/New_York', 'Asia/Kolkata', 'Australia/Eucla', 'Europe/Paris'];

const BASE = Date.parse('2026-03-01T00:00:00Z');
const MINUTE = 60_000;
const CODES = ['63016', '30003', '30008', null] as const;

type Write =
  | { kind: 'inbound'; tenant: number; conv: number; minute: number }
  | { kind: 'reply'; ref: number; fallback: boolean; rejected: boolean; delaySeconds: number }
  | { kind: 'send'; ref: number; afterSeconds: number }
  | { kind: 'status'; ref: number; status: 'delivered' | 'undelivered' | 'failed' | 'read'; code: number }
  | { kind: 'refused'; ref: number; code: number }
  | { kind: 'flag'; conv: number; tenant: number; flag: 'opted_out' | 'ai_paused'; minute: number }
  | { kind: 'usage'; tenant: number; period: number; replies: number }
  | { kind: 'manual'; tenant: number; conv: number; minute: number };

type Step =
  | { kind: 'open'; writes: Write[] }
  | { kind: 'commit'; pick: number }
  | { kind: 'rollback'; pick: number }
  | { kind: 'refresh'; chunk: number; chunks: number }
  | { kind: 'concurrent'; chunk: number }
  | { kind: 'crash'; chunk: number }
  | { kind: 'zone'; tenant: number; zone: number };

const write: fc.Arbitrary<Write> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('inbound' as const), tenant: fc.nat(2), conv: fc.nat(3), minute: fc.nat(72 * 60 - 1) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('reply' as const), ref: fc.nat(), fallback: fc.boolean(), rejected: fc.boolean(), delaySeconds: fc.nat(90) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('send' as const), ref: fc.nat(), afterSeconds: fc.nat(7200) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('status' as const), ref: fc.nat(), status: fc.constantFrom('delivered', 'undelivered', 'failed', 'read'), code: fc.nat(3) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('refused' as const), ref: fc.nat(), code: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flag' as const), tenant: fc.nat(2), conv: fc.nat(3), flag: fc.constantFrom('opted_out', 'ai_paused'), minute: fc.nat(72 * 60 - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('usage' as const), tenant: fc.nat(2), period: fc.nat(1), replies: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('manual' as const), tenant: fc.nat(2), conv: fc.nat(3), minute: fc.nat(72 * 60 - 1) }) },
);

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('open' as const), writes: fc.array(write, { minLength: 1, maxLength: 4 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('commit' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rollback' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('refresh' as const), chunk: fc.integer({ min: 1, max: 25 }), chunks: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('concurrent' as const), chunk: fc.integer({ min: 1, max: 25 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), chunk: fc.integer({ min: 1, max: 25 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('zone' as const), tenant: fc.nat(2), zone: fc.nat(ZONES.length - 1) }) },
);

interface Inbound { id: string; sid: string; tenantId: string; conversationId: string; createdAt: number }
interface Outbound { id: string; tenantId: string; createdAt: number; sent: boolean; replyTo: string | null }
interface OpenTx { client: pg.PoolClient; locks: Set<string>; inbound: Inbound[]; outbound: Outbound[]; flags: string[] }

/** Runs one random script against the database: the state mirrors what is committed. */
class Script {
  readonly inbound: Inbound[] = [];
  readonly outbound: Outbound[] = [];
  readonly flagsOn = new Set<string>();
  readonly open: OpenTx[] = [];

  constructor(
    readonly pool: pg.Pool,
    readonly tenants: string[],
    readonly conversations: string[][],
  ) {}

  locked(key: string): boolean {
    return this.open.some((tx) => tx.locks.has(key));
  }

  async openTx(writes: Write[]): Promise<void> {
    if (this.open.length >= 3) await this.finish(0, 'COMMIT');
    const tx: OpenTx = { client: await this.pool.connect(), locks: new Set(), inbound: [], outbound: [], flags: [] };
    await tx.client.query('BEGIN');
    this.open.push(tx);
    for (const w of writes) await this.apply(tx, w);
  }

  async finish(index: number, how: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    const [tx] = this.open.splice(index, 1);
    if (!tx) return;
    await tx.client.query(how);
    tx.client.release();
    if (how === 'COMMIT') {
      this.inbound.push(...tx.inbound);
      this.outbound.push(...tx.outbound);
      for (const f of tx.flags) this.flagsOn.add(f);
    } else {
      // Rolled back: what it changed in committed rows is as before (sends and statuses are re-read below).
      for (const key of tx.locks) if (key.startsWith('msg:')) await this.reloadOutbound(key.slice(4));
    }
  }

  async reloadOutbound(id: string): Promise<void> {
    const found = this.outbound.find((m) => m.id === id);
    if (!found) return;
    const { rows } = await this.pool.query<{ sent: boolean }>(`SELECT provider_message_sid IS NOT NULL AS sent FROM messages WHERE id = $1`, [id]);
    found.sent = rows[0]?.sent ?? false;
  }

  async apply(tx: OpenTx, w: Write): Promise<void> {
    const q = (text: string, values: unknown[]) => tx.client.query(text, values);
    switch (w.kind) {
      case 'inbound': {
        const tenantId = this.tenants[w.tenant]!;
        const conversationId = this.conversations[w.tenant]![w.conv]!;
        const m: Inbound = { id: randomUUID(), sid: `SM${randomUUID().replaceAll('-', '')}`, tenantId, conversationId, createdAt: BASE + w.minute * MINUTE };
        await q(
          `INSERT INTO messages (id, tenant_id, conversation_id, direction, provider_message_sid, turn_key_sid, body, status, source, created_at, updated_at)
           VALUES ($1, $2, $3, 'inbound', $4, $4, 'hi', 'received', 'customer', $5, $5)`,
          [m.id, tenantId, conversationId, m.sid, new Date(m.createdAt).toISOString()],
        );
        tx.inbound.push(m);
        return;
      }
      case 'reply': {
        const to = this.inbound[w.ref % Math.max(1, this.inbound.length)];
        // A second reply to the same message while the first is uncommitted would wait on the unique key.
        if (!to || this.locked(`reply:${to.sid}`)) return;
        tx.locks.add(`reply:${to.sid}`);
        const m: Outbound = { id: randomUUID(), tenantId: to.tenantId, createdAt: to.createdAt + w.delaySeconds * 1000, sent: false, replyTo: to.sid };
        const prompt = { rejected: w.rejected ? ['The price of X is not in the catalog.'] : null };
        const inserted = await q(
          `INSERT INTO messages (id, tenant_id, conversation_id, direction, reply_to_message_sid, body, status, source, fallback, prompt, created_at, updated_at)
           VALUES ($1, $2, $3, 'outbound', $4, 'answer', 'queued', 'ai', $5, $6, $7, $7) ON CONFLICT (reply_to_message_sid) DO NOTHING`,
          [m.id, to.tenantId, to.conversationId, to.sid, w.fallback, JSON.stringify(prompt), new Date(m.createdAt).toISOString()],
        );
        if (inserted.rowCount) {
          tx.outbound.push(m);
          tx.locks.add(`msg:${m.id}`);
        }
        return;
      }
      case 'send':
      case 'refused':
      case 'status': {
        const candidates = this.outbound.filter((m) => !this.locked(`msg:${m.id}`) && (w.kind === 'status' ? m.sent : !m.sent));
        const m = candidates[w.ref % Math.max(1, candidates.length)];
        if (!m || (m.replyTo && this.locked(`reply:${m.replyTo}`))) return;
        tx.locks.add(`msg:${m.id}`);
        // Updating the row (a non-HOT update) re-inserts its reply_to key: a new reply to it would wait.
        if (m.replyTo) tx.locks.add(`reply:${m.replyTo}`);
        if (w.kind === 'send') {
          await q(`UPDATE messages SET provider_message_sid = $2, status = 'sent', updated_at = $3 WHERE id = $1`, [
            m.id, `SM${randomUUID().replaceAll('-', '')}`, new Date(m.createdAt + w.afterSeconds * 1000).toISOString(),
          ]);
          m.sent = true;
        } else if (w.kind === 'refused') {
          await q(`UPDATE messages SET status = 'failed', error_code = $2 WHERE id = $1`, [m.id, CODES[w.code]]);
        } else {
          const failed = w.status === 'failed' || w.status === 'undelivered';
          await q(`UPDATE messages SET status = $2::message_status, error_code = CASE WHEN $3 THEN $4 ELSE error_code END WHERE id = $1`, [m.id, w.status, failed, CODES[w.code]]);
        }
        return;
      }
      case 'flag': {
        const conversationId = this.conversations[w.tenant]![w.conv]!;
        const key = `${w.flag}:${conversationId}`;
        if (this.locked(`conv:${conversationId}`) || this.flagsOn.has(key)) return;
        tx.locks.add(`conv:${conversationId}`);
        const at = new Date(BASE + w.minute * MINUTE).toISOString();
        await q(
          w.flag === 'opted_out'
            ? `UPDATE conversations SET opted_out = true, opted_out_at = $2 WHERE id = $1 AND NOT opted_out`
            : `UPDATE conversations SET ai_paused = true, ai_paused_at = $2 WHERE id = $1 AND NOT ai_paused`,
          [conversationId, at],
        );
        tx.flags.push(key);
        return;
      }
      case 'usage': {
        const tenantId = this.tenants[w.tenant]!;
        const key = `usage:${tenantId}:${w.period}`;
        if (this.locked(key)) return;
        tx.locks.add(key);
        // Every change of one counter at the same instant: the business-table check reads its hour from updated_at.
        const periodStart = new Date(BASE + w.period * 24 * 60 * MINUTE);
        const at = new Date(periodStart.getTime() + 90 * MINUTE).toISOString();
        await q(
          `INSERT INTO usage_counters (id, tenant_id, period_start, replies, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
           ON CONFLICT (tenant_id, period_start) DO UPDATE SET replies = usage_counters.replies + excluded.replies, updated_at = excluded.updated_at`,
          [randomUUID(), tenantId, periodStart.toISOString(), w.replies, at],
        );
        return;
      }
      case 'manual': {
        const tenantId = this.tenants[w.tenant]!;
        await q(
          `INSERT INTO messages (id, tenant_id, conversation_id, direction, provider_message_sid, body, status, source, created_at, updated_at)
           VALUES ($1, $2, $3, 'outbound', $4, 'by hand', 'sent', 'human', $5, $5)`,
          [randomUUID(), tenantId, this.conversations[w.tenant]![w.conv]!, `SM${randomUUID().replaceAll('-', '')}`, new Date(BASE + w.minute * MINUTE).toISOString()],
        );
        return;
      }
    }
  }
}

describe('incremental refresh in random chunks equals the full rebuild', () => {
  let db: IsolatedDatabase;
  beforeAll(async () => {
    db = await isolatedDatabase('property');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('for random write streams, commit orders, chunk sizes, concurrent and crashing refreshes', async () => {
    let runs = 0;
    let eventsSeen = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 45 }), fc.integer({ min: 1, max: 40 }), async (steps, finalChunk) => {
        runs++;
        const tenants = await Promise.all([0, 1, 2].map((i) => createTenant(db.pool, `p${runs}${i}`, ZONES[(runs + i) % ZONES.length])));
        const conversations: string[][] = [];
        for (const tenantId of tenants) {
          const ids: string[] = [];
          for (let c = 0; c < 4; c++) {
            const id = randomUUID();
            await db.pool.query(
              `INSERT INTO conversations (id, tenant_id, channel, customer_address, created_at, updated_at) VALUES ($1, $2, 'whatsapp', $3, $4, $4)`,
              [id, tenantId, `whatsapp:+1555${c}${runs}`, new Date(BASE + c * 7 * MINUTE).toISOString()],
            );
            ids.push(id);
          }
          conversations.push(ids);
        }
        const script = new Script(db.pool, tenants, conversations);
        try {
          for (const s of steps) {
            if (s.kind === 'open') await script.openTx(s.writes);
            else if (s.kind === 'commit') await script.finish(s.pick % Math.max(1, script.open.length), 'COMMIT');
            else if (s.kind === 'rollback') await script.finish(s.pick % Math.max(1, script.open.length), 'ROLLBACK');
            else if (s.kind === 'refresh') await refreshAnalytics(db.pool, { maxEvents: s.chunk, maxChunks: s.chunks });
            else if (s.kind === 'zone') await setTenantTimeZone(db.pool, tenants[s.tenant]!, ZONES[s.zone]!);
            else if (s.kind === 'concurrent') await Promise.all([refreshAnalyticsChunk(db.pool, { maxEvents: s.chunk }), refreshAnalyticsChunk(db.pool, { maxEvents: s.chunk })]);
            else {
              const crash = refreshAnalyticsChunk(db.pool, { maxEvents: s.chunk, beforeCommit: async () => { throw new Error('worker lost'); } });
              await expect(crash).rejects.toThrow('worker lost');
            }
          }
          while (script.open.length > 0) await script.finish(0, 'COMMIT');
        } finally {
          for (const tx of script.open.splice(0)) {
            await tx.client.query('ROLLBACK').catch(() => undefined);
            tx.client.release();
          }
        }

        const caughtUp = await refreshAnalytics(db.pool, { maxEvents: finalChunk });
        eventsSeen += caughtUp.events;
        const incremental = await readRollups(db.pool);
        // A tenant's days are the sum of its hours, in its zone (whatever zone changes happened on the way).
        expect(await dailyRollupsOffTheirHours(db.pool)).toEqual([]);
        await rebuildAnalytics(db.pool, { tenantId: tenants[runs % 3]! });
        expect(await readRollups(db.pool)).toEqual(incremental);
        await rebuildAnalytics(db.pool);
        expect(await readRollups(db.pool)).toEqual(incremental);
        // And the rollups say what the business tables say.
        expect(Object.fromEntries(await rollupCounts(db.pool, tenants))).toEqual(Object.fromEntries(await countsFromBusinessTables(db.pool, tenants)));
      }),
      { numRuns: 100, interruptAfterTimeLimit: 100_000 },
    );
    expect(runs).toBe(100);
    expect(eventsSeen).toBeGreaterThan(100);
  });
});
