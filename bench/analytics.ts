// Analytics at scale: seeds 1,000,000 historical events over 90 days for 200 tenants (Zipf-like: a few busy
// shops, a long tail), counts them once, then, three times over, adds 1,000 new events and measures the
// incremental refresh and the full rebuild side by side; finally the Analytics page's data endpoint
// (GET /api/analytics?range=30d through the real Fastify app: session, range, rollups, usage) for the
// busiest tenant, 200 requests, p50/p95, and its analytics statement alone beside it.
//   tsx bench/analytics.ts [--events 1000000] [--tenants 200] [--new 1000] [--database-url postgresql://…]
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { z } from 'zod';
import { buildApi } from '../api/app.js';
import { readAnalyticsFreshness } from '../lib/analytics/freshness.js';
import { rebuildAnalytics } from '../lib/analytics/rebuild.js';
import { refreshAnalytics } from '../lib/analytics/refresh.js';
import { readTenantAnalytics } from '../lib/analytics/report.js';
import { hashToken } from '../lib/auth/tokens.js';
import { loadEnv } from '../lib/config/env.js';
import { createPrismaClient } from '../lib/db/client.js';
import { closeSqlPool, sqlPool } from '../lib/db/sql.js';
import { lazyTemporalClient } from '../lib/temporal/client.js';
import { startEmbeddedPostgres } from '../scripts/devstack/embedded-postgres.js';
import { findFreePort, migrateDeploy } from '../test/support/database.js';

const args = z
  .object({
    events: z.coerce.number().int().min(1_000).default(1_000_000),
    tenants: z.coerce.number().int().min(2).default(200),
    new: z.coerce.number().int().min(1).default(1_000),
    'database-url': z.string().optional(),
  })
  .parse(parseArgs({ options: { events: { type: 'string' }, tenants: { type: 'string' }, new: { type: 'string' }, 'database-url': { type: 'string' } } }).values);

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const time = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
};

// Metrics in the proportions a shop's traffic has them (per customer message: about one reply, …).
const MIX = `(ARRAY['messages_in','messages_in','messages_in','messages_out','messages_out','messages_out','ai_replies','ai_replies',
  'first_response_ms','first_response_ms','replies_used','replies_used','conversations_started','answer_check_replacements',
  'ai_fallbacks','delivery_failures','opt_outs','takeovers'])`;

/** n events for the tenants, over the last 90 days (or the last minute), in one statement. */
function insertEvents(n: number, recent: boolean): string {
  return `INSERT INTO analytics_events (tenant_id, metric, dimension, occurred_at, delta, value)
    SELECT 'bench-' || lpad((floor(${args.tenants} * power(random(), 3)))::int::text, 4, '0'), m.metric,
           CASE m.metric WHEN 'delivery_failures' THEN (ARRAY['30008','63016','30003','30005'])[1 + floor(random() * 4)::int]
                         WHEN 'messages_out' THEN (ARRAY['ai','ai','ai','human','broadcast'])[1 + floor(random() * 5)::int] ELSE '' END,
           (now() AT TIME ZONE 'UTC') - ${recent ? `random() * interval '1 minute'` : `random() * interval '90 days'`},
           1, CASE WHEN m.metric = 'first_response_ms' THEN (1500 + random() * random() * 60000)::bigint ELSE 0 END
    FROM generate_series(1, ${n}) AS g(i)
    CROSS JOIN LATERAL (SELECT ${MIX}[1 + floor(random() * 18 + g.i * 0)::int] AS metric) AS m`;
}

async function main(): Promise<void> {
  let databaseUrl = args['database-url'];
  let stopPostgres: (() => Promise<void>) | null = null;
  const dir = await mkdtemp(path.join(tmpdir(), 'wara-bench-analytics-'));
  await chmod(dir, 0o755);
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await findFreePort(), logFile: path.join(dir, 'pg.log') });
    databaseUrl = pg.url;
    stopPostgres = () => pg.stop();
    await migrateDeploy(databaseUrl);
  }
  const prisma = createPrismaClient(databaseUrl, { max: 4 });
  const pool = sqlPool(prisma);
  try {
    console.log(`seeding ${args.events.toLocaleString('en')} events over 90 days for ${args.tenants} tenants…`);
    await pool.query(
      `INSERT INTO tenants (id, name, slug, updated_at) SELECT 'bench-' || lpad(i::text, 4, '0'), 'Bench shop ' || i, 'bench-' || i, now()
       FROM generate_series(0, ${args.tenants - 1}) AS i ON CONFLICT DO NOTHING`,
    );
    // A connection of its own for the seed: the shared pool's 15 s statement bound is for hot paths.
    const seeder = new pg.Client({ connectionString: databaseUrl });
    await seeder.connect();
    const [, seedMs] = await time(async () => {
      for (let done = 0; done < args.events; done += 250_000) {
        await seeder.query(insertEvents(Math.min(250_000, args.events - done), false));
      }
    });
    await seeder.end();
    await pool.query('ANALYZE analytics_events');
    console.log(`  seeded in ${seconds(seedMs)}`);

    const [first, firstMs] = await time(() => refreshAnalytics(pool));
    console.log(`first refresh (the whole history, ${first.chunks} chunks of 50k): ${first.events.toLocaleString('en')} events in ${seconds(firstMs)}`);
    await pool.query('ANALYZE analytics_rollups');
    await pool.query('ANALYZE analytics_platform_rollups');
    const { rows: sizes } = await pool.query<{ tenant: string; platform: string }>(
      `SELECT (SELECT count(*) FROM analytics_rollups)::text AS tenant, (SELECT count(*) FROM analytics_platform_rollups)::text AS platform`,
    );
    console.log(`rollup rows: ${Number(sizes[0]!.tenant).toLocaleString('en')} tenant-hour rows, ${Number(sizes[0]!.platform).toLocaleString('en')} platform-hour rows`);

    console.log(`\n+${args.new} new events, then incremental refresh vs full rebuild, side by side (3 rounds):`);
    console.log('round | incremental | full rebuild | ratio');
    const ratios: number[] = [];
    for (let round = 1; round <= 3; round++) {
      await pool.query({ text: insertEvents(args.new, true) });
      const [inc, incMs] = await time(() => refreshAnalytics(pool));
      const [full, fullMs] = await time(() => rebuildAnalytics(pool));
      ratios.push(fullMs / incMs);
      console.log(
        `  ${round}   | ${`${incMs.toFixed(1)} ms (${inc.events} ev)`.padEnd(11)} | ${`${seconds(fullMs)} (${full.events.toLocaleString('en')} ev)`.padEnd(12)} | ${(fullMs / incMs).toFixed(0)}×`,
      );
    }
    console.log(`incremental is ${Math.min(...ratios).toFixed(0)}–${Math.max(...ratios).toFixed(0)}× faster than the full rebuild (goal ≥ 100×)`);

    // The busiest tenant, logged in through a session row (the API's own session hook reads it).
    const { rows: busiest } = await pool.query<{ tenantId: string; events: string }>(
      `SELECT tenant_id AS "tenantId", count(*)::text AS events FROM analytics_events GROUP BY tenant_id ORDER BY count(*) DESC LIMIT 1`,
    );
    const tenantId = busiest[0]!.tenantId;
    const userId = randomUUID();
    const token = randomBytes(32).toString('base64url');
    await pool.query(`INSERT INTO users (id, tenant_id, email, role, updated_at) VALUES ($1, $2, $3, 'owner', now())`, [userId, tenantId, `bench-${userId}@shop.example`]);
    await pool.query(
      `INSERT INTO sessions (id, user_id, tenant_id, csrf_token_hash, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, now() + interval '1 day', now())`,
      [hashToken(token), userId, tenantId, hashToken(randomUUID())],
    );
    const env = loadEnv({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', NODE_ENV: 'test', RELAY_THREAD: 'false', TEMPORAL_ADDRESS: '127.0.0.1:1' });
    const temporal = lazyTemporalClient(env);
    const app = await buildApi({ env, prisma, temporal }, { logger: false });
    const { rows: rangeRows } = await pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM analytics_daily_rollups WHERE tenant_id = $1 AND day >= (now() AT TIME ZONE 'UTC')::date - 60`, [tenantId]);
    const request = () => app.inject({ method: 'GET', url: '/api/analytics?range=30d', headers: { cookie: `wara_session=${token}` } });
    for (let i = 0; i < 20; i++) if ((await request()).statusCode !== 200) throw new Error('the analytics endpoint did not answer 200');
    const latencies: number[] = [];
    for (let i = 0; i < 200; i++) {
      const [res, ms] = await time(request);
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      latencies.push(ms);
    }
    const load = loadavg().map((l) => l.toFixed(1)).join(' / ');
    // The endpoint's own statement alone (zone, range, rollups, freshness in one round trip): the rest of a
    // request is the session hook, the usage query beside this one, Fastify and the response's schema.
    const alone: number[] = [];
    for (let i = 0; i < 200; i++) alone.push((await time(() => readTenantAnalytics(pool, tenantId, { preset: '30d' })))[1]);
    const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * p) - 1]!.toFixed(1);
    console.log(
      `\n(load average ${load} on ${cpus().length} cores while measuring)` +
      `\nGET /api/analytics?range=30d, busiest tenant (${Number(busiest[0]!.events).toLocaleString('en')} events, ${Number(rangeRows[0]!.n).toLocaleString('en')} daily rollup rows read for 30 d + the previous 30 d), 200 requests:` +
        ` p50 ${pct(latencies, 0.5)} ms, p95 ${pct(latencies, 0.95)} ms, max ${pct(latencies, 1)} ms (goal p95 ≤ 50 ms)` +
        `\n  its analytics statement alone (readTenantAnalytics, 200 calls): p50 ${pct(alone, 0.5)} ms, p95 ${pct(alone, 0.95)} ms`,
    );
    const freshness = await readAnalyticsFreshness(pool);
    console.log(`last refresh: ${freshness.lastRefreshEvents} events, ${freshness.lastRefreshMs} ms of database time`);
    await app.close();
    await temporal.connection.close().catch(() => undefined);
  } finally {
    await closeSqlPool(prisma);
    await prisma.$disconnect();
    await stopPostgres?.();
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
