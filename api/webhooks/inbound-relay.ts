// From a stored hand-off row to the conversation workflow. The webhook answers Twilio as soon as a message
// and its hand-off row are committed (inbound-store.ts); takeover, resume and manual replies commit their
// row with the conversation change (conversation-handoffs.ts). This relay then signals-with-start the
// conversation's workflow and deletes the row. So nothing waits on Temporal, a Temporal outage delays
// replies (and a merchant's takeover) instead of losing them, and a crash between commit and signal is
// repaired by the sweeper, which re-sends hand-offs left behind. Repeats are harmless: the workflow's
// seen-set drops a MessageSid it has had, takeover/resume set a flag, a manual reply is keyed by its row.
import type pg from 'pg';
import type { Env } from '../../lib/config/env.js';
import type { ConversationRow } from '../../lib/conversations/inbound-store.js';
import { MESSAGE_SETTLED } from '../../lib/conversations/settled.js';
import type { OptOutIntent } from '../../lib/conversations/opt-out.js';
import { inboundMessage, manualReply, resumeAi, takeOver } from '../../workflows/contracts/conversation.js';
import type { ConversationWorkflows } from '../workflows/conversations.js';

/** What a hand-off row asks the workflow to hear. */
export type HandOffSignal =
  | { kind: 'inbound'; messageSid: string; optOut: OptOutIntent | null }
  | { kind: 'takeover'; by: string }
  | { kind: 'resume' }
  | { kind: 'manual_reply'; messageId: string };

export interface HandOff {
  /** The row's key: the inbound MessageSid, or `<kind>:<id>`. */
  key: string;
  signal: HandOffSignal;
  conversation: ConversationRow;
  /** When its row was stored (epoch ms); absent: now. A shop's waiting hand-offs are kept in this order. */
  storedAt?: number;
}

/** The row as stored (`kind`, `opt_out`, `payload` columns) back into its signal. */
export function handOffSignal(row: { key: string; kind: string; opt_out: OptOutIntent | null; payload: unknown }): HandOffSignal | null {
  const payload = (row.payload ?? {}) as { by?: unknown; messageId?: unknown };
  switch (row.kind) {
    case 'inbound':
      return { kind: 'inbound', messageSid: row.key, optOut: row.opt_out };
    case 'takeover':
      return typeof payload.by === 'string' ? { kind: 'takeover', by: payload.by } : null;
    case 'resume':
      return { kind: 'resume' };
    case 'manual_reply':
      return typeof payload.messageId === 'string' ? { kind: 'manual_reply', messageId: payload.messageId } : null;
    default:
      return null;
  }
}

export interface InboundRelayOptions {
  pool: pg.Pool;
  conversations: ConversationWorkflows;
  log: { warn(obj: object, msg: string): void };
  /** Signals in flight at once: enough to hide Temporal's latency, few enough not to swamp it. */
  concurrency?: number;
  /** Hand-offs held in memory; beyond it the sweeper picks them up from the table. */
  maxQueued?: number;
  /** Customer messages of one tenant handed to Temporal and not yet settled (RELAY_TURNS_PER_TENANT). */
  turnsPerTenant?: number;
  /**
   * The conversation's quiet period (REPLY_QUIET_PERIOD_MS): a turn spends it asleep on a timer, costing
   * nothing, so the limit grows by `turnsPerTenant` per second of it; otherwise the wait alone would cap a
   * shop's replies per second even on an idle machine.
   */
  quietPeriodMs?: number;
  /** Customer messages of one tenant waiting here; past it they are shed (RELAY_BACKLOG_PER_TENANT). */
  backlogPerTenant?: number;
  /** How often the settled turns are looked up while some are open. */
  settleEveryMs?: number;
  /** A turn not settled after this long stops counting (held for opening hours, a stuck run): never a lock-out. */
  turnTimeoutMs?: number;
  /** The clock turns are timed by (tests). */
  now?: () => number;
  sweepEveryMs?: number;
  /** A hand-off younger than this belongs to the relay that stored it (it is probably in flight). */
  sweepAfterMs?: number;
  /**
   * Sweep this tenant's hand-offs only: for a relay that shares its database with relays it must not take
   * from (the tests' relays, which sweep at once, beside other test files' APIs).
   */
  sweepTenantId?: string;
}

const SWEEP_BATCH = 500;

/** The per-shop limits from the API's configuration, for the relay in the API's thread or in its own. */
export function relayLimits(env: Pick<Env, 'RELAY_TURNS_PER_TENANT' | 'REPLY_QUIET_PERIOD_MS' | 'RELAY_BACKLOG_PER_TENANT'>) {
  return { turnsPerTenant: env.RELAY_TURNS_PER_TENANT, quietPeriodMs: env.REPLY_QUIET_PERIOD_MS, backlogPerTenant: env.RELAY_BACKLOG_PER_TENANT } satisfies Partial<InboundRelayOptions>;
}

/** A hand-off waiting for its turn: with the time it was stored, which orders its shop's line. */
type Waiting = HandOff & { storedAt: number };

/** What a waiting hand-off is, for the turn limit: a customer's message, or a merchant's action. */
const isTurn = (item: HandOff) => item.signal.kind === 'inbound';
/**
 * A customer's message that may be shed when its shop's backlog is full. An opt-out never is: STOP must take
 * effect whatever the load.
 */
const isSheddable = (item: HandOff) => item.signal.kind === 'inbound' && item.signal.optOut === null;

export function createInboundRelay(options: InboundRelayOptions) {
  const { pool, conversations, log } = options;
  const concurrency = options.concurrency ?? 32;
  const maxQueued = options.maxQueued ?? 10_000;
  const turnsPerTenant = Math.ceil((options.turnsPerTenant ?? 6) * (1 + (options.quietPeriodMs ?? 0) / 1000));
  const backlogPerTenant = options.backlogPerTenant ?? 2_000;
  const settleEveryMs = options.settleEveryMs ?? 100;
  const turnTimeoutMs = options.turnTimeoutMs ?? 60_000;
  const now = options.now ?? Date.now;
  const sweepAfterMs = options.sweepAfterMs ?? 10_000;

  /** Waiting hand-offs per tenant, oldest first (a Map keeps the tenants in the order they first waited). */
  const waiting = new Map<string, Waiting[]>();
  /** Merchant actions waiting per tenant: a tenant at its turn limit is only looked through when it has some. */
  const actionsWaiting = new Map<string, number>();
  let queued = 0;
  /** MessageSids queued or in flight here: the sweeper does not queue them twice. */
  const known = new Set<string>();
  /** Conversations with a signal in flight: their next message waits, so a customer's order is kept. */
  const busy = new Set<string>();
  /** Signals in flight per tenant. */
  const inFlight = new Map<string, number>();
  /** Customer messages handed to Temporal and not yet settled, per tenant: MessageSid → when handed over. */
  const openTurns = new Map<string, Map<string, number>>();
  let active = 0;
  let done: string[] = [];
  let shed: string[] = [];
  let flushing: Promise<void> | null = null;
  let settling: NodeJS.Timeout | null = null;
  let sweeper: NodeJS.Timeout | null = null;
  let leaser: NodeJS.Timeout | null = null;
  let closed = false;
  const idleWaiters: Array<() => void> = [];

  function handOff(item: HandOff): void {
    if (closed || known.has(item.key)) return;
    if (queued >= maxQueued) return; // stays in the table; the sweeper brings it back
    const tenant = item.conversation.tenantId;
    const line = waiting.get(tenant) ?? [];
    if (isSheddable(item) && line.length >= backlogPerTenant) {
      // The shop's own backlog is full: its newest message is kept and shown, not answered by the AI, so
      // the messages already waiting are answered in bounded time instead of every one of them late.
      shed.push(item.key);
      flushing ??= flush();
      return;
    }
    known.add(item.key);
    // Oldest first: a row the sweeper brings back (a failed signal, a crashed instance) goes before the newer
    // messages waiting, so a conversation's messages still reach its workflow in the order they came.
    const entry: Waiting = { ...item, storedAt: item.storedAt ?? now() };
    let at = line.length;
    while (at > 0 && line[at - 1]!.storedAt > entry.storedAt) at -= 1;
    line.splice(at, 0, entry);
    waiting.set(tenant, line);
    queued += 1;
    if (!isTurn(item)) actionsWaiting.set(tenant, (actionsWaiting.get(tenant) ?? 0) + 1);
    pump();
  }

  const turnsOpen = (tenant: string) => openTurns.get(tenant)?.size ?? 0;

  /**
   * The next hand-off to signal: from the tenant with the least in Temporal (open turns + signals in flight),
   * its oldest one whose conversation has nothing in flight. A tenant at its turn limit only gets its
   * merchant actions through (takeover, resume, a manual reply), never ahead of an earlier message of the
   * same conversation. So a burst at one merchant (a post gone viral) takes turns with every other merchant's
   * messages and never holds more than its limit of Temporal's queues; within a tenant, and within a
   * conversation, order is kept.
   */
  function next(): { tenant: string; index: number } | null {
    let best: { tenant: string; index: number } | null = null;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (const [tenant, line] of waiting) {
      const load = turnsOpen(tenant) + (inFlight.get(tenant) ?? 0);
      if (load >= bestLoad) continue;
      const index = firstReady(tenant, line);
      if (index < 0) continue;
      [best, bestLoad] = [{ tenant, index }, load];
      if (load === 0) break;
    }
    return best;
  }

  function firstReady(tenant: string, line: HandOff[]): number {
    const atLimit = turnsOpen(tenant) >= turnsPerTenant;
    if (atLimit && (actionsWaiting.get(tenant) ?? 0) === 0) return -1;
    const held = new Set<string>();
    for (let i = 0; i < line.length; i++) {
      const item = line[i]!;
      const key = conversations.workflowId(item.conversation);
      if (busy.has(key) || held.has(key)) continue;
      if (atLimit && isTurn(item)) {
        held.add(key); // its conversation's later hand-offs wait behind it
        continue;
      }
      return i;
    }
    return -1;
  }

  function pump(): void {
    while (active < concurrency) {
      const pick = next();
      if (!pick) break;
      const line = waiting.get(pick.tenant)!;
      const [item] = line.splice(pick.index, 1);
      if (line.length === 0) waiting.delete(pick.tenant);
      queued -= 1;
      if (!isTurn(item!)) actionsWaiting.set(pick.tenant, actionsWaiting.get(pick.tenant)! - 1);
      void deliver(item!);
    }
    if (active === 0 && queued === 0) for (const wake of idleWaiters.splice(0)) wake();
  }

  async function deliver(item: HandOff): Promise<void> {
    const key = conversations.workflowId(item.conversation);
    const tenant = item.conversation.tenantId;
    active += 1;
    busy.add(key);
    inFlight.set(tenant, (inFlight.get(tenant) ?? 0) + 1);
    // A customer's message holds one of its shop's turns from now: the signal may land any moment.
    if (isTurn(item)) openTurn(tenant, item.key);
    try {
      await signal(item);
      done.push(item.key);
      flushing ??= flush();
    } catch (err) {
      if (isTurn(item)) closeTurn(tenant, item.key);
      // Temporal unreachable or overloaded: the row stays, and the sweeper retries it.
      log.warn({ err, key: item.key }, 'hand-off to the conversation workflow failed; the sweeper will retry');
    } finally {
      known.delete(item.key);
      busy.delete(key);
      const left = (inFlight.get(tenant) ?? 1) - 1;
      if (left > 0) inFlight.set(tenant, left);
      else inFlight.delete(tenant);
      active -= 1;
      pump();
    }
  }

  function openTurn(tenant: string, messageSid: string): void {
    const open = openTurns.get(tenant) ?? new Map<string, number>();
    open.set(messageSid, now());
    openTurns.set(tenant, open);
    settleSoon();
  }

  function settleSoon(): void {
    if (settling || closed) return;
    settling = setTimeout(() => void settle(), settleEveryMs);
    settling.unref();
  }

  function closeTurn(tenant: string, messageSid: string): void {
    const open = openTurns.get(tenant);
    open?.delete(messageSid);
    if (open?.size === 0) openTurns.delete(tenant);
  }

  /**
   * Closes the open turns the conversation workflows have settled: a reply recorded for the message (its
   * turn key is written with the reply row, for every message of a burst) or a reason it gets none. One
   * indexed lookup every `settleEveryMs` while turns are open; a turn open past `turnTimeoutMs` (held for
   * the shop's opening hours, or a run that is stuck) is let go so it never locks its shop out.
   */
  async function settle(): Promise<void> {
    // Only turns whose signal has landed (`known` still holds those in flight) can have been answered.
    const sids = [...openTurns.values()].flatMap((open) => [...open.keys()].filter((sid) => !known.has(sid)));
    try {
      const { rows } =
        sids.length === 0
          ? { rows: [] }
          : await pool.query<{ sid: string }>({
              name: 'handoffs-settled',
              text: `SELECT provider_message_sid AS sid FROM messages
                     WHERE provider_message_sid = ANY($1) AND ${MESSAGE_SETTLED}`,
              values: [sids],
            });
      const settled = new Set(rows.map((r) => r.sid));
      const expired = now() - turnTimeoutMs;
      for (const [tenant, open] of openTurns) for (const [sid, at] of open) if (settled.has(sid) || at < expired) closeTurn(tenant, sid);
    } catch (err) {
      log.warn({ err }, 'could not look up settled turns; trying again');
    } finally {
      settling = null;
      if (openTurns.size > 0) settleSoon();
      pump();
    }
  }

  async function signal({ conversation, signal: what }: HandOff): Promise<void> {
    switch (what.kind) {
      case 'inbound':
        await conversations.signal(conversation, inboundMessage, [{ messageSid: what.messageSid, optOut: what.optOut }]);
        return;
      case 'takeover':
        await conversations.signal(conversation, takeOver, [{ by: what.by }]);
        return;
      case 'resume':
        await conversations.signal(conversation, resumeAi, []);
        return;
      case 'manual_reply':
        await conversations.signal(conversation, manualReply, [{ messageId: what.messageId }]);
        return;
    }
  }

  /**
   * Deletes delivered hand-offs in batches: one statement per burst instead of one per message. Shed
   * messages are marked `overloaded` (unless already settled) and their rows deleted in one statement too.
   */
  async function flush(): Promise<void> {
    try {
      while (done.length > 0 || shed.length > 0) {
        const [sids, dropped] = [done, shed];
        [done, shed] = [[], []];
        if (sids.length > 0) await pool.query({ name: 'handoffs-delivered', text: 'DELETE FROM inbound_handoffs WHERE message_sid = ANY($1)', values: [sids] });
        if (dropped.length > 0) await markShed(dropped);
      }
    } catch (err) {
      // Delivered but not deleted: the sweeper will signal them again, which the workflow ignores. Shed
      // but not marked: the sweeper brings them back, and they are shed or answered then.
      log.warn({ err }, 'could not delete delivered inbound hand-offs');
    } finally {
      flushing = null;
    }
  }

  async function markShed(sids: string[]): Promise<void> {
    await pool.query({
      name: 'handoffs-shed',
      text: `WITH marked AS (
               UPDATE messages SET no_reply_reason = 'overloaded', updated_at = now() AT TIME ZONE 'UTC'
               WHERE provider_message_sid = ANY($1) AND direction = 'inbound' AND NOT ${MESSAGE_SETTLED}
             )
             DELETE FROM inbound_handoffs WHERE message_sid = ANY($1)`,
      values: [sids],
    });
  }

  /**
   * Queues hand-offs older than `sweepAfterMs` that this process does not hold: left by a crash, by a
   * failed signal, or by another API instance that stopped. Claims them (attempted_at) so two instances
   * sweeping at once do not both take the same batch. Returns how many it queued.
   */
  async function sweep(): Promise<number> {
    const { rows } = await pool.query<{
      message_sid: string;
      kind: string;
      payload: unknown;
      opt_out: OptOutIntent | null;
      id: string;
      tenant_id: string;
      channel: 'whatsapp' | 'sms';
      customer_address: string;
      ai_paused: boolean;
      opted_out: boolean;
      last_inbound_at: Date | null;
      stored_ms: number;
    }>({
      name: 'handoffs-sweep',
      text: `WITH claimed AS (
               UPDATE inbound_handoffs h SET attempted_at = now() AT TIME ZONE 'UTC'
               WHERE h.message_sid IN (
                 SELECT message_sid FROM inbound_handoffs
                 WHERE created_at < (now() AT TIME ZONE 'UTC') - make_interval(secs => $1 / 1000.0)
                   AND (attempted_at IS NULL OR attempted_at < (now() AT TIME ZONE 'UTC') - make_interval(secs => $1 / 1000.0))
                   AND NOT (message_sid = ANY($2))
                   AND ($4::text IS NULL OR tenant_id = $4)
                 ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED)
               RETURNING h.message_sid, h.kind, h.payload, h.opt_out, h.conversation_id, h.created_at
             )
             SELECT claimed.message_sid, claimed.kind, claimed.payload, claimed.opt_out, c.id, c.tenant_id, c.channel::text AS channel,
                    c.customer_address, c.ai_paused, c.opted_out, c.last_inbound_at,
                    (extract(epoch FROM claimed.created_at AT TIME ZONE 'UTC') * 1000)::float8 AS stored_ms
             FROM claimed JOIN conversations c ON c.id = claimed.conversation_id
             ORDER BY claimed.created_at`,
      values: [sweepAfterMs, [...known], SWEEP_BATCH, options.sweepTenantId ?? null],
    });
    for (const r of rows) {
      const signal = handOffSignal({ key: r.message_sid, kind: r.kind, opt_out: r.opt_out, payload: r.payload });
      if (!signal) {
        log.warn({ key: r.message_sid, kind: r.kind }, 'hand-off row with an unknown kind or payload; left for inspection');
        continue;
      }
      handOff({
        key: r.message_sid,
        signal,
        conversation: {
          id: r.id, tenantId: r.tenant_id, channel: r.channel, customerAddress: r.customer_address,
          aiPaused: r.ai_paused, optedOut: r.opted_out, lastInboundAt: r.last_inbound_at,
        },
        storedAt: r.stored_ms,
      });
    }
    return rows.length;
  }

  /**
   * Keeps the rows this relay holds (waiting for a turn, or in flight) claimed: `attempted_at` renewed more
   * often than `sweepAfterMs`, so another instance's sweeper leaves a live relay's backlog alone and takes
   * it only when this process is gone and its claims have aged.
   */
  async function renewClaims(): Promise<void> {
    if (known.size === 0) return;
    await pool.query({
      name: 'handoffs-claim',
      text: `UPDATE inbound_handoffs SET attempted_at = now() AT TIME ZONE 'UTC' WHERE message_sid = ANY($1)`,
      values: [[...known]],
    });
  }

  return {
    handOff,
    sweep,
    renewClaims,
    /** Sweeps now (what the last process left) and then every `sweepEveryMs`. */
    start(): void {
      const every = options.sweepEveryMs ?? 10_000;
      const run = () => void sweep().catch((err: unknown) => log.warn({ err }, 'inbound hand-off sweep failed'));
      run();
      sweeper = setInterval(run, every);
      sweeper.unref();
      const renew = () => void renewClaims().catch((err: unknown) => log.warn({ err }, 'could not renew the claims on waiting hand-offs'));
      leaser = setInterval(renew, Math.max(500, Math.floor(sweepAfterMs / 2)));
      leaser.unref();
    },
    /** Resolves when nothing is queued or in flight (tests, shutdown). */
    idle(): Promise<void> {
      if (active === 0 && queued === 0) return flushing ?? Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve)).then(() => flushing ?? undefined);
    },
    /** Stops taking work and waits (bounded) for signals in flight; what is left stays in the table. */
    async close(timeoutMs = 5_000): Promise<void> {
      closed = true;
      if (sweeper) clearInterval(sweeper);
      if (leaser) clearInterval(leaser);
      if (settling) clearTimeout(settling);
      waiting.clear();
      actionsWaiting.clear();
      queued = 0;
      await Promise.race([this.idle(), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    },
    stats: () => ({ queued, inFlight: active, openTurns: [...openTurns.values()].reduce((n, open) => n + open.size, 0) }),
  };
}

export type InboundRelay = ReturnType<typeof createInboundRelay>;

/** What the API needs of a relay, in-process or in its own thread (api/webhooks/threaded-relay.ts). */
export interface Relay {
  handOff(item: HandOff): void;
  start(): void;
  sweep(): Promise<number>;
  idle(): Promise<void>;
  close(): Promise<void>;
}
