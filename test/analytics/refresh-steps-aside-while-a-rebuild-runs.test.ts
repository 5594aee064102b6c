// While a rebuild holds the rollups (30–90 s at a million events, longer than the shared pool's 15 s
// statement bound), nothing queues behind it: the scheduled refresh does nothing and reports "skipped:
// rebuild in progress" (a result, not a failure to retry), and the next refresh counts what it left, once;
// a merchant's time-zone change answers 409 "try again in a minute" instead of timing out into a 500. The
// rebuild's lock is held here by a test transaction, exactly as rebuildAnalytics takes it (lockForRebuild).
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyticsActivities } from '../../activities/analytics.js';
import { rebuildAnalytics, setTenantTimeZone } from '../../lib/analytics/rebuild.js';
import { ANALYTICS_WATERMARK, AnalyticsBusyError, lockForRebuild, lockWatermark, refreshAnalytics, refreshAnalyticsChunk } from '../../lib/analytics/refresh.js';
import { authHeaders, signUp, startTestApi, type TestApi, type TestSession } from '../support/api.js';
import { countsFromBusinessTables, dailyRollupsOffTheirHours, isolatedDatabase, readRollups, rollupCounts, writeShopTraffic, type IsolatedDatabase } from './support.js';

let db: IsolatedDatabase;
let api: TestApi;
let merchant: TestSession;
beforeAll(async () => {
  // The watermark is global: a database of its own, so no other file's refresh or rebuild meets this lock.
  db = await isolatedDatabase('busy');
  api = await startTestApi({ DATABASE_URL: db.url, RELAY_THREAD: 'false' });
  merchant = await signUp(api.app, { companyName: 'Busy Shop' });
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

/** A transaction holding what a rebuild holds for its whole length, until `release`. */
async function holdRebuildLock(): Promise<{ release(): Promise<void> }> {
  const client = await db.pool.connect();
  await client.query('BEGIN');
  await lockForRebuild(client, ANALYTICS_WATERMARK);
  return { release: () => finish(client) };
}

/** A transaction holding the watermark row as a refresh's chunk does, until `release`. */
async function holdRefreshLock(): Promise<{ release(): Promise<void> }> {
  const client = await db.pool.connect();
  await client.query('BEGIN');
  await lockWatermark(client, ANALYTICS_WATERMARK);
  return { release: () => finish(client) };
}

async function finish(client: pg.PoolClient): Promise<void> {
  try {
    await client.query('ROLLBACK');
  } finally {
    client.release();
  }
}

async function watermark(): Promise<Record<string, unknown>> {
  const { rows } = await db.pool.query(`SELECT counted_snapshot, batch_snapshot, last_run_at, last_refresh_events FROM analytics_watermarks WHERE name = $1`, [ANALYTICS_WATERMARK]);
  return rows[0] as Record<string, unknown>;
}

async function zoneOf(tenantId: string): Promise<string> {
  const { rows } = await db.pool.query<{ zone: string }>(`SELECT time_zone AS zone FROM tenants WHERE id = $1`, [tenantId]);
  return rows[0]!.zone;
}

describe('a refresh during a rebuild', () => {
  it('reports "skipped: rebuild in progress" without waiting, changes nothing, and the next refresh counts what it left exactly once', async () => {
    const tenantId = merchant.tenantId;
    await writeShopTraffic(db.pool, tenantId, new Date(Date.UTC(2026, 4, 3, 8)), 6);
    expect(await refreshAnalytics(db.pool)).toMatchObject({ skipped: null, caughtUp: true });
    await writeShopTraffic(db.pool, tenantId, new Date(Date.UTC(2026, 4, 4, 8)), 5);
    const rollupsBefore = await readRollups(db.pool);
    const markBefore = await watermark();

    const rebuild = await holdRebuildLock();
    try {
      const started = performance.now();
      const chunk = await refreshAnalyticsChunk(db.pool);
      expect(chunk).toMatchObject({ skipped: 'rebuild in progress', events: 0, caughtUp: false });
      expect(chunk.countedThrough).toEqual(markBefore.last_run_at);
      // It did not queue for the lock (the shared pool would give up after 15 s and the run would fail).
      expect(performance.now() - started).toBeLessThan(5_000);

      // As the worker runs it: a result, not an error for Temporal to retry.
      const activities = createAnalyticsActivities({ prisma: api.prisma });
      expect(await activities.refreshAnalyticsChunk()).toMatchObject({ skipped: 'rebuild in progress', events: 0, caughtUp: false });
      // A whole run stops at the first skipped chunk instead of looping on it.
      expect(await refreshAnalytics(db.pool)).toMatchObject({ skipped: 'rebuild in progress', chunks: 1, events: 0 });
    } finally {
      await rebuild.release();
    }
    expect(await readRollups(db.pool)).toEqual(rollupsBefore);
    expect(await watermark()).toEqual(markBefore);

    // The rebuild is over: the next refresh counts the second batch, once.
    const after = await refreshAnalytics(db.pool);
    expect(after).toMatchObject({ skipped: null, caughtUp: true });
    expect(after.events).toBeGreaterThan(0);
    expect(await refreshAnalytics(db.pool)).toMatchObject({ events: 0, caughtUp: true });
    expect(Object.fromEntries(await rollupCounts(db.pool, [tenantId]))).toEqual(Object.fromEntries(await countsFromBusinessTables(db.pool, [tenantId])));
    const incremental = await readRollups(db.pool);
    await rebuildAnalytics(db.pool);
    expect(await readRollups(db.pool)).toEqual(incremental);
  });

  it('leaves the work to another refresh that holds the watermark longer than its lock timeout', async () => {
    const other = await holdRefreshLock();
    try {
      const chunk = await refreshAnalyticsChunk(db.pool, { lockTimeoutMs: 300 });
      expect(chunk).toMatchObject({ skipped: 'another refresh is running', events: 0, caughtUp: false });
    } finally {
      await other.release();
    }
    expect(await refreshAnalyticsChunk(db.pool)).toMatchObject({ skipped: null });
  });
});

describe('a time-zone change during a rebuild', () => {
  it('answers 409 "try again in a minute" at once, changes nothing, and goes through once the rebuild is over', async () => {
    const change = () => api.app.inject({ method: 'PUT', url: '/api/analytics/time-zone', headers: authHeaders(merchant), payload: { timeZone: 'Asia/Kolkata' } });
    const rebuild = await holdRebuildLock();
    try {
      const started = performance.now();
      const busy = await change();
      expect(busy.statusCode).toBe(409);
      expect(busy.json()).toMatchObject({ error: 'analytics_busy', message: 'Analytics are being rebuilt; try again in a minute.' });
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      await rebuild.release();
    }
    expect(await zoneOf(merchant.tenantId)).toBe('UTC');

    // Behind a refresh's chunk it waits a little (chunks are short), then gives up the same way.
    const refresh = await holdRefreshLock();
    try {
      await expect(setTenantTimeZone(db.pool, merchant.tenantId, 'Asia/Kolkata', { lockTimeoutMs: 300 })).rejects.toThrow(AnalyticsBusyError);
    } finally {
      await refresh.release();
    }

    const done = await change();
    expect(done.statusCode).toBe(200);
    expect(await zoneOf(merchant.tenantId)).toBe('Asia/Kolkata');
    expect(await dailyRollupsOffTheirHours(db.pool)).toEqual([]);
  });
});
