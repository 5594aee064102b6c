// `npm run analytics:rebuild` end to end: the real script in a child process against a database of its own.
// Its rebuild (all tenants, or one) gives exactly the rollups the incremental refresh built chunk by chunk;
// `--prune-before` deletes counted events without changing a rollup, and a rebuild afterwards keeps the
// pruned hours; `--after-restore` repairs a database restored from another cluster, where the events'
// transaction ids and the watermark's snapshot are the old cluster's and the refresh would otherwise take
// new events for counted ones. Each run leaves an audit row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildAnalytics } from '../../lib/analytics/rebuild.js';
import { refreshAnalytics } from '../../lib/analytics/refresh.js';
import { countsFromBusinessTables, createTenant, isolatedDatabase, readRollups, rollupCounts, writeShopTraffic, type IsolatedDatabase } from './support.js';
import { runScript, type CliResult } from '../support/cli.js';

const DAY = 24 * 60 * 60_000;

let db: IsolatedDatabase;
let tenants: string[];
beforeAll(async () => {
  // The watermark and the platform rollups are global: this file's database is its own.
  db = await isolatedDatabase('cli');
  tenants = [await createTenant(db.pool, 'cli_paris', 'Europe/Paris'), await createTenant(db.pool, 'cli_kolkata', 'Asia/Kolkata')];
  for (const [i, tenantId] of tenants.entries()) {
    for (const day of [1, 2, 3]) await writeShopTraffic(db.pool, tenantId, new Date(Date.UTC(2026, 5, day, 6 + i)), 4 + day);
  }
});
afterAll(async () => {
  await db?.drop();
});

function rebuildCommand(...args: string[]): Promise<CliResult> {
  return runScript('scripts/analytics-rebuild.ts', args, { DATABASE_URL: db.url, USER: 'analytics-oncall' });
}

async function auditDetails(): Promise<Array<Record<string, unknown>>> {
  const { rows } = await db.pool.query<{ details: Record<string, unknown>; targetId: string }>(
    `SELECT details, target_id AS "targetId" FROM audit_logs WHERE action = 'ops.analytics_rebuilt' ORDER BY created_at, id`,
  );
  return rows.map((r) => ({ target: r.targetId, ...r.details }));
}

async function countsMatchBusinessTables(): Promise<void> {
  expect(Object.fromEntries(await rollupCounts(db.pool, tenants))).toEqual(Object.fromEntries(await countsFromBusinessTables(db.pool, tenants)));
}

describe('npm run analytics:rebuild', () => {
  it('rebuilds every tenant, or one, to exactly what the incremental refresh counted; prunes without changing a rollup', async () => {
    // Incremental: small chunks, so the batch is cut in many transactions.
    await refreshAnalytics(db.pool, { maxEvents: 7 });
    const incremental = await readRollups(db.pool);
    expect(incremental.tenants.length).toBeGreaterThan(20);
    await countsMatchBusinessTables();

    const all = await rebuildCommand();
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('rebuilding every tenant and the platform totals from the event log');
    expect(all.stdout).toMatch(/^\d+ events → \d+ rollup rows in \d+\.\d s$/m);
    expect(await readRollups(db.pool)).toEqual(incremental);

    const one = await rebuildCommand('--tenant', tenants[1]!);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain(`rebuilding tenant ${tenants[1]}`);
    expect(await readRollups(db.pool)).toEqual(incremental);

    // Retention: counted events before June 2 go; the rollups stay, and a rebuild keeps those hours.
    const pruned = await rebuildCommand('--prune-before', '2026-06-02');
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toMatch(/^pruned [1-9]\d* counted events before 2026-06-02T00:00:00.000Z/m);
    const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM analytics_events WHERE occurred_at < '2026-06-02'`);
    expect(rows[0]!.n).toBe(0);
    expect(await readRollups(db.pool)).toEqual(incremental);
    const afterPrune = await rebuildCommand();
    expect(afterPrune.code, afterPrune.stderr).toBe(0);
    expect(afterPrune.stdout).toContain('(hours before 2026-06-02T00:00:00.000Z kept: their events were pruned)');
    expect(await readRollups(db.pool)).toEqual(incremental);

    const audit = await auditDetails();
    expect(audit).toEqual([
      expect.objectContaining({ target: 'all', via: 'cli', by: 'analytics-oncall' }),
      expect.objectContaining({ target: tenants[1], via: 'cli', by: 'analytics-oncall' }),
      expect.objectContaining({ target: 'all', via: 'cli', by: 'analytics-oncall' }),
    ]);

    const refused = await rebuildCommand('--tenant', 'no-such-shop');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('no tenant no-such-shop');
  });

  it('--after-restore: after a move from another cluster, re-bases the watermark so new events are counted, once', async () => {
    await refreshAnalytics(db.pool);
    // What pg_dump / pg_restore into a younger cluster leaves: the stored transaction ids (events and the
    // watermark's snapshot) are the old cluster's, 50 million ahead of the transactions this one now gives.
    const AHEAD = 50_000_000n;
    await db.pool.query(`UPDATE analytics_events SET xid = ((xid::text)::bigint + $1::bigint)::text::xid8`, [AHEAD.toString()]);
    const { rows } = await db.pool.query<{ snapshot: string }>(`SELECT counted_snapshot AS snapshot FROM analytics_watermarks WHERE name = 'analytics'`);
    const [xmin, xmax, xip] = rows[0]!.snapshot.split(':');
    const shift = (x: string) => (BigInt(x) + AHEAD).toString();
    const moved = `${shift(xmin!)}:${shift(xmax!)}:${xip ? xip.split(',').map(shift).join(',') : ''}`;
    await db.pool.query(`UPDATE analytics_watermarks SET counted_snapshot = $1 WHERE name = 'analytics'`, [moved]);

    // The harm: a new day of traffic is taken for counted (its transaction ids are below the old snapshot).
    await writeShopTraffic(db.pool, tenants[0]!, new Date(Date.UTC(2026, 5, 4, 9)), 3);
    expect(await refreshAnalytics(db.pool)).toMatchObject({ events: 0, caughtUp: true });
    expect(Object.fromEntries(await rollupCounts(db.pool, tenants))).not.toEqual(Object.fromEntries(await countsFromBusinessTables(db.pool, tenants)));

    const badArgs = await rebuildCommand('--after-restore', '--tenant', tenants[0]!);
    expect(badArgs.code).toBe(2);
    const rebased = await rebuildCommand('--after-restore');
    expect(rebased.code, rebased.stderr).toBe(0);
    expect(rebased.stdout).toMatch(/^watermark re-based; \d+ events → \d+ rollup rows in \d+\.\d s$/m);
    expect((await auditDetails()).at(-1)).toMatchObject({ target: 'all', via: 'cli', afterRestore: true });
    // The June 4 traffic is counted now; the June 1 hours (pruned before the move) are kept as they were.
    await countsMatchBusinessTables();

    // New events are counted again, exactly once, and the rollups are what a rebuild makes of them.
    await writeShopTraffic(db.pool, tenants[1]!, new Date(Date.now() - 2 * DAY), 4);
    const after = await refreshAnalytics(db.pool, { maxEvents: 5 });
    expect(after.events).toBeGreaterThan(0);
    expect(await refreshAnalytics(db.pool)).toMatchObject({ events: 0, caughtUp: true });
    await countsMatchBusinessTables();
    const incremental = await readRollups(db.pool);
    await rebuildAnalytics(db.pool);
    expect(await readRollups(db.pool)).toEqual(incremental);
  });
});
