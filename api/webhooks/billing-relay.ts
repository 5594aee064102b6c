// From a stored billing hand-off row to the tenant's billing workflow (the outbox of lib/billing/handoffs.ts,
// delivered like api/webhooks/inbound-relay.ts delivers conversations'): the Stripe webhook commits the event
// and its row, answers Stripe, and hands the row here; this relay signals-with-start `billing:{tenant}` and
// deletes the row. Rows written elsewhere (the reply gate's limit notice, in the worker) and rows a crash or a
// Temporal outage left behind are found by the sweeper. Repeats are harmless: a Stripe event only makes the
// workflow re-read Stripe, and a limit notice is sent once per period and limit.
import type pg from 'pg';
import { billingSignalOf, type BillingHandOff, type BillingSignal } from '../../lib/billing/handoffs.js';
import { replyLimitReached, stripeEventReceived } from '../../workflows/contracts/billing.js';
import type { BillingAccount, BillingWorkflows } from '../workflows/billing.js';

export interface BillingRelayOptions {
  pool: pg.Pool;
  billing: Pick<BillingWorkflows, 'signal'>;
  log: { warn(obj: object, msg: string): void };
  concurrency?: number;
  sweepEveryMs?: number;
  /** A row younger than this belongs to the relay that stored it (it is probably in flight). */
  sweepAfterMs?: number;
}

const SWEEP_BATCH = 200;

export function createBillingRelay(options: BillingRelayOptions) {
  const { pool, billing, log } = options;
  const concurrency = options.concurrency ?? 8;
  const sweepAfterMs = options.sweepAfterMs ?? 1_000;
  const queue: BillingHandOff[] = [];
  const known = new Set<string>();
  let active = 0;
  let sweeper: NodeJS.Timeout | null = null;
  let closed = false;
  const idleWaiters: Array<() => void> = [];

  function handOff(item: BillingHandOff): void {
    if (closed || known.has(item.key)) return;
    known.add(item.key);
    queue.push(item);
    pump();
  }

  function pump(): void {
    while (active < concurrency && queue.length > 0) void deliver(queue.shift()!);
    if (active === 0 && queue.length === 0) for (const wake of idleWaiters.splice(0)) wake();
  }

  async function deliver(item: BillingHandOff): Promise<void> {
    active += 1;
    try {
      const account = await accountOf(item.tenantId);
      if (account) await signal(account, item.signal);
      // A tenant deleted meanwhile has no workflow to tell (its rows go with it): the row goes too.
      await pool.query({ name: 'billing-handoff-delivered', text: 'DELETE FROM billing_handoffs WHERE key = $1', values: [item.key] });
    } catch (err) {
      // Temporal or the database unreachable: the row stays, and the sweeper retries it.
      log.warn({ err, key: item.key }, 'billing hand-off failed; the sweeper will retry');
    } finally {
      known.delete(item.key);
      active -= 1;
      pump();
    }
  }

  async function signal(account: BillingAccount, what: BillingSignal): Promise<void> {
    switch (what.kind) {
      case 'stripe_event':
        await billing.signal(account, stripeEventReceived, [{ eventId: what.eventId, type: what.type }]);
        return;
      case 'limit_reached':
        await billing.signal(account, replyLimitReached, [{ periodStart: what.periodStart, limit: what.limit }]);
        return;
    }
  }

  /** What starting the workflow needs, should none be running: the owner's address and the trial's end. */
  async function accountOf(tenantId: string): Promise<BillingAccount | null> {
    const { rows } = await pool.query<{ email: string | null; trial_ends_at: Date | null }>({
      name: 'billing-handoff-account',
      text: `SELECT t.trial_ends_at,
                    (SELECT u.email FROM users u WHERE u.tenant_id = t.id ORDER BY (u.role = 'owner') DESC, u.created_at LIMIT 1) AS email
             FROM tenants t WHERE t.id = $1`,
      values: [tenantId],
    });
    const row = rows[0];
    return row?.email ? { tenantId, ownerEmail: row.email, trialEndsAt: row.trial_ends_at } : null;
  }

  /** Rows older than `sweepAfterMs` this process does not hold, claimed so two API instances do not both take them. */
  async function sweep(): Promise<number> {
    const { rows } = await pool.query<{ key: string; tenant_id: string; kind: string; payload: unknown }>({
      name: 'billing-handoffs-sweep',
      text: `UPDATE billing_handoffs h SET attempted_at = now() AT TIME ZONE 'UTC'
             WHERE h.key IN (
               SELECT key FROM billing_handoffs
               WHERE created_at < (now() AT TIME ZONE 'UTC') - make_interval(secs => $1 / 1000.0)
                 AND (attempted_at IS NULL OR attempted_at < (now() AT TIME ZONE 'UTC') - make_interval(secs => $1 / 1000.0))
                 AND NOT (key = ANY($2))
               ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED)
             RETURNING h.key, h.tenant_id, h.kind, h.payload`,
      values: [sweepAfterMs, [...known], SWEEP_BATCH],
    });
    for (const row of rows) {
      const signal = billingSignalOf(row);
      if (!signal) {
        log.warn({ key: row.key, kind: row.kind }, 'billing hand-off with an unknown kind or payload; left for inspection');
        continue;
      }
      handOff({ key: row.key, tenantId: row.tenant_id, signal });
    }
    return rows.length;
  }

  return {
    handOff,
    sweep,
    /** Sweeps now (what the last process left) and then every `sweepEveryMs`. */
    start(): void {
      const run = () => void sweep().catch((err: unknown) => log.warn({ err }, 'billing hand-off sweep failed'));
      run();
      // Often: limit notices are written by the worker and reach the workflow only through this sweep.
      sweeper = setInterval(run, options.sweepEveryMs ?? 2_000);
      sweeper.unref();
    },
    /** Resolves when nothing is queued or in flight. */
    idle(): Promise<void> {
      if (active === 0 && queue.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    async close(timeoutMs = 5_000): Promise<void> {
      closed = true;
      if (sweeper) clearInterval(sweeper);
      queue.length = 0;
      await Promise.race([this.idle(), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    },
  };
}

export type BillingRelay = ReturnType<typeof createBillingRelay>;
