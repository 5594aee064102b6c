// From a stored hand-off row to the conversation workflow. The webhook answers Twilio as soon as a message
// and its hand-off row are committed (inbound-store.ts); takeover, resume and manual replies commit their
// row with the conversation change (conversation-handoffs.ts). This relay then signals-with-start the
// conversation's workflow and deletes the row. So nothing waits on Temporal, a Temporal outage delays
// replies (and a merchant's takeover) instead of losing them, and a crash between commit and signal is
// repaired by the sweeper, which re-sends hand-offs left behind. Repeats are harmless: the workflow's
// seen-set drops a MessageSid it has had, takeover/resume set a flag, a manual reply is keyed by its row.
import type pg from 'pg';
import type { ConversationRow } from '../../lib/conversations/inbound-store.js';
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
  sweepEveryMs?: number;
  /** A hand-off younger than this belongs to the relay that stored it (it is probably in flight). */
  sweepAfterMs?: number;
}

const SWEEP_BATCH = 500;

export function createInboundRelay(options: InboundRelayOptions) {
  const { pool, conversations, log } = options;
  const concurrency = options.concurrency ?? 32;
  const maxQueued = options.maxQueued ?? 10_000;
  const sweepAfterMs = options.sweepAfterMs ?? 10_000;

  const queue: HandOff[] = [];
  /** MessageSids queued or in flight here: the sweeper does not queue them twice. */
  const known = new Set<string>();
  /** Conversations with a signal in flight: their next message waits, so a customer's order is kept. */
  const busy = new Set<string>();
  /** Signals in flight per tenant: the next slot goes to the tenant with the fewest (see `next`). */
  const inFlight = new Map<string, number>();
  let active = 0;
  let done: string[] = [];
  let flushing: Promise<void> | null = null;
  let sweeper: NodeJS.Timeout | null = null;
  let closed = false;
  const idleWaiters: Array<() => void> = [];

  function handOff(item: HandOff): void {
    if (closed || known.has(item.key)) return;
    if (queue.length >= maxQueued) return; // stays in the table; the sweeper brings it back
    known.add(item.key);
    queue.push(item);
    pump();
  }

  /**
   * The oldest waiting hand-off of the tenant with the fewest signals in flight. A burst at one merchant (a post
   * gone viral) then takes turns with every other merchant's messages instead of filling every slot ahead of
   * them; within a tenant, and within a conversation, order is kept.
   */
  function next(): number {
    let best = -1;
    let bestLoad = Number.POSITIVE_INFINITY;
    const considered = new Set<string>();
    for (let i = 0; i < queue.length; i++) {
      const { conversation } = queue[i]!;
      if (considered.has(conversation.tenantId) || busy.has(conversations.workflowId(conversation))) continue;
      considered.add(conversation.tenantId);
      const load = inFlight.get(conversation.tenantId) ?? 0;
      if (load < bestLoad) [best, bestLoad] = [i, load];
      if (load === 0) break;
    }
    return best;
  }

  function pump(): void {
    while (active < concurrency) {
      const index = next();
      if (index < 0) break;
      const [item] = queue.splice(index, 1);
      void deliver(item!);
    }
    if (active === 0 && queue.length === 0) for (const wake of idleWaiters.splice(0)) wake();
  }

  async function deliver(item: HandOff): Promise<void> {
    const key = conversations.workflowId(item.conversation);
    const tenant = item.conversation.tenantId;
    active += 1;
    busy.add(key);
    inFlight.set(tenant, (inFlight.get(tenant) ?? 0) + 1);
    try {
      await signal(item);
      done.push(item.key);
      flushing ??= flush();
    } catch (err) {
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

  /** Deletes delivered hand-offs in batches: one statement per burst instead of one per message. */
  async function flush(): Promise<void> {
    try {
      while (done.length > 0) {
        const sids = done;
        done = [];
        await pool.query({ name: 'handoffs-delivered', text: 'DELETE FROM inbound_handoffs WHERE message_sid = ANY($1)', values: [sids] });
      }
    } catch (err) {
      // Delivered but not deleted: the sweeper will signal them again, which the workflow ignores.
      log.warn({ err }, 'could not delete delivered inbound hand-offs');
    } finally {
      flushing = null;
    }
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
    }>({
      name: 'handoffs-sweep',
      text: `WITH claimed AS (
               UPDATE inbound_handoffs h SET attempted_at = now() AT TIME ZONE 'UTC'
               WHERE h.message_sid IN (
                 SELECT message_sid FROM inbound_handoffs
                 WHERE created_at < (now() AT TIME ZONE 'UTC') - make_interval(secs => $1 / 1000.0)
                   AND (attempted_at IS NULL OR attempted_at < (now() AT TIME ZONE 'UTC') - make_interval(secs => $1 / 1000.0))
                   AND NOT (message_sid = ANY($2))
                 ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED)
               RETURNING h.message_sid, h.kind, h.payload, h.opt_out, h.conversation_id, h.created_at
             )
             SELECT claimed.message_sid, claimed.kind, claimed.payload, claimed.opt_out, c.id, c.tenant_id, c.channel::text AS channel,
                    c.customer_address, c.ai_paused, c.opted_out, c.last_inbound_at
             FROM claimed JOIN conversations c ON c.id = claimed.conversation_id
             ORDER BY claimed.created_at`,
      values: [sweepAfterMs, [...known], SWEEP_BATCH],
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
      });
    }
    return rows.length;
  }

  return {
    handOff,
    sweep,
    /** Sweeps now (what the last process left) and then every `sweepEveryMs`. */
    start(): void {
      const every = options.sweepEveryMs ?? 10_000;
      const run = () => void sweep().catch((err: unknown) => log.warn({ err }, 'inbound hand-off sweep failed'));
      run();
      sweeper = setInterval(run, every);
      sweeper.unref();
    },
    /** Resolves when nothing is queued or in flight (tests, shutdown). */
    idle(): Promise<void> {
      if (active === 0 && queue.length === 0) return flushing ?? Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve)).then(() => flushing ?? undefined);
    },
    /** Stops taking work and waits (bounded) for signals in flight; what is left stays in the table. */
    async close(timeoutMs = 5_000): Promise<void> {
      closed = true;
      if (sweeper) clearInterval(sweeper);
      queue.length = 0;
      await Promise.race([this.idle(), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    },
    stats: () => ({ queued: queue.length, inFlight: active }),
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
