// npm run analytics:rebuild [-- --tenant <id>] [-- --prune-before <YYYY-MM-DD>] [-- --after-restore]
// Recomputes the analytics rollups from the event log (every tenant and the platform totals, or one tenant),
// in one transaction that holds the refresh's watermark lock: meanwhile the scheduled refresh reports
// "skipped: rebuild in progress", then carries on from the same watermark (nothing counted twice or skipped). Directly against the database, so it works
// while Temporal is down; the operators' page does the same through the `analytics-rebuild` workflow.
// `--prune-before` deletes counted events of the hours before that day instead (retention, README).
// `--after-restore`: the database came from another cluster through a logical dump (pg_dump / pg_restore, a
// move to a new server): the events' transaction ids and the watermark's snapshot are the old cluster's, so
// the refresh would take new events for counted ones (or count old ones again). Marks every stored event
// counted, takes a fresh watermark and rebuilds everything (test/analytics/rebuild-cli-equals-incremental.test.ts).
// Exit code 2 on bad configuration or arguments, 1 when the rebuild failed.
import { parseArgs } from 'node:util';
import { pruneAnalyticsEvents, rebaseAnalyticsAfterRestore, rebuildAnalytics } from '../lib/analytics/rebuild.js';
import { AUDIT_ACTIONS, writeAudit } from '../lib/audit.js';
import { ConfigError } from '../lib/config/env.js';
import { createPrismaClient } from '../lib/db/client.js';
import { closeSqlPool, sqlPool } from '../lib/db/sql.js';
import { commandUser, loadCliEnv } from './cli-env.js';

class UsageError extends Error {}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { tenant: { type: 'string' }, 'prune-before': { type: 'string' }, 'after-restore': { type: 'boolean' } } });
  const pruneBefore = values['prune-before'];
  if (pruneBefore !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(pruneBefore)) throw new UsageError('--prune-before takes a day, YYYY-MM-DD');
  if (pruneBefore !== undefined && values.tenant) throw new UsageError('--prune-before applies to every tenant; leave out --tenant');
  if (values['after-restore'] && (values.tenant || pruneBefore !== undefined)) throw new UsageError('--after-restore rebuilds every tenant on its own; leave out --tenant and --prune-before');
  const { env, notes } = await loadCliEnv();
  for (const note of notes) console.log(`(${note})`);
  const prisma = createPrismaClient(env.DATABASE_URL, { max: 2 });
  try {
    const pool = sqlPool(prisma);
    const by = commandUser();
    if (pruneBefore) {
      const pruned = await pruneAnalyticsEvents(pool, new Date(`${pruneBefore}T00:00:00Z`));
      console.log(`pruned ${pruned.deleted} counted events before ${pruned.prunedBefore.toISOString()} (rollups unchanged; rebuilds keep those hours)`);
      return 0;
    }
    if (values['after-restore']) {
      const rebased = await rebaseAnalyticsAfterRestore(pool);
      console.log(`watermark re-based; ${rebased.events} events → ${rebased.rows} rollup rows in ${(rebased.ms / 1000).toFixed(1)} s`);
      await writeAudit(prisma, {
        tenantId: null,
        actorType: 'system',
        action: AUDIT_ACTIONS.ops.analyticsRebuilt,
        targetType: 'platform',
        targetId: 'all',
        details: { via: 'cli', by, afterRestore: true, events: rebased.events, rows: rebased.rows, ms: rebased.ms },
      });
      return 0;
    }
    const tenantId = values.tenant ?? null;
    if (tenantId && !(await prisma.tenant.findUnique({ where: { id: tenantId }, select: { id: true } }))) throw new UsageError(`no tenant ${tenantId}`);
    console.log(`rebuilding ${tenantId ? `tenant ${tenantId}` : 'every tenant and the platform totals'} from the event log…`);
    const result = await rebuildAnalytics(pool, { tenantId });
    console.log(`${result.events} events → ${result.rows} rollup rows in ${(result.ms / 1000).toFixed(1)} s${result.keptBefore ? ` (hours before ${result.keptBefore.toISOString()} kept: their events were pruned)` : ''}`);
    await writeAudit(prisma, {
      tenantId,
      actorType: 'system',
      action: AUDIT_ACTIONS.ops.analyticsRebuilt,
      targetType: tenantId ? 'tenant' : 'platform',
      targetId: tenantId ?? 'all',
      details: { via: 'cli', by, events: result.events, rows: result.rows, ms: result.ms },
    });
    return 0;
  } finally {
    await closeSqlPool(prisma);
    await prisma.$disconnect();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    const usage = err instanceof ConfigError || err instanceof UsageError;
    console.error(usage ? err.message : `analytics rebuild failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = usage ? 2 : 1;
  },
);
