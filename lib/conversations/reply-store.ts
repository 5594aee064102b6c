// The outbound intent: an AI (or system) reply is a Message row keyed by the inbound MessageSid it answers
// (`reply_to_message_sid`, unique) and written BEFORE anything is sent. Whoever inserts second — a retried
// activity, a duplicate reply workflow — gets the first row back instead of a second reply.
// Plain `pg` (lib/db/sql.ts), not Prisma: these run on every AI reply, and Prisma's query compiler cost
// more worker CPU than the queries themselves. Timestamps are the worker's clock, as Prisma wrote them.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { z } from 'zod';
import type { Prisma, PrismaClient } from '../db/client.js';
import { isUniqueViolation, sqlPool } from '../db/sql.js';
import type { HistoryEntry } from '../ai/prompt.js';
import { REPLY_AGENT_COLUMNS, replyAgentJoins, toReplyAgentState, type ReplyAgentRow, type ReplyAgentState } from '../agent/settings-store.js';
import type { GateTenant } from './reply-gate.js';
import type { MessageStatus } from './status.js';

export interface ReplyIntent {
  messageId: string;
  /** False when the row records a decision not to send (gate closed, …). */
  send: boolean;
  reason: string | null;
}

export interface NewReplyIntent {
  tenantId: string;
  conversationId: string;
  replyToMessageSid: string;
  body: string;
  source: 'ai' | 'system';
  status: 'queued' | 'not_sent';
  errorCode?: string | null;
  errorMessage?: string | null;
  model?: string | null;
  promptTokens?: number | null;
  completionTokens?: number | null;
  latencyMs?: number | null;
  fallback?: boolean;
  productsUsed?: Prisma.InputJsonValue;
  prompt?: Prisma.InputJsonValue;
  /** The turn's inbound sids (default: just the one it replies to); each is marked as answered by this turn. */
  turnSids?: readonly string[];
  /** The merchant's knowledge the prompt held (lib/agent/knowledge-retrieve.ts `knowledgeSources`). */
  knowledgeUsed?: Prisma.InputJsonValue;
  /** The agent settings version that produced it; null: the defaults. */
  agentVersion?: number | null;
}

/** An intent row as stored (status: the message_status enum as text). */
interface IntentRow {
  id: string;
  status: MessageStatus;
  errorCode: string | null;
}

function toIntent(row: IntentRow): ReplyIntent {
  return { messageId: row.id, send: row.status !== 'not_sent', reason: row.status === 'not_sent' ? row.errorCode : null };
}

export async function findReplyIntent(prisma: PrismaClient, replyToMessageSid: string): Promise<ReplyIntent | null> {
  const { rows } = await sqlPool(prisma).query<IntentRow>({
    name: 'reply-store.find-intent',
    text: `SELECT id, status::text AS status, error_code AS "errorCode" FROM messages WHERE reply_to_message_sid = $1`,
    values: [replyToMessageSid],
  });
  return rows[0] ? toIntent(rows[0]) : null;
}

export interface ReplyState {
  /** The intent already stored for this turn (a retry, a duplicate workflow), or null. */
  intent: ReplyIntent | null;
  /** What the reply gate and the prompt need of the tenant; null when it no longer exists. */
  tenant: (GateTenant & { name: string }) | null;
}

// The turn's existing intent (looked up by inbound sid alone, like the unique key) and the tenant's gate state
// and name, on $1 = tenant, $2 = the turn's last inbound sid. The one-row FROM keeps a row when neither exists;
// each LEFT JOIN matches at most one row (unique keys). Billing's part (pause reason, the plan's limit, this
// period's count) is the reply gate's input: see reply-gate.ts; the period is the database function
// usage_period_start (one definition for all).
const STATE_COLUMNS = `t.name AS "tenantName", t.plan, t.status::text AS "tenantStatus",
                  s.replies_paused_reason AS "pausedReason", p.monthly_reply_limit AS "replyLimit", u.replies AS "repliesUsed",
                  m.id AS "messageId", m.status::text AS "messageStatus", m.error_code AS "errorCode"`;
const STATE_FROM = `FROM (VALUES (1)) AS one(x)
           LEFT JOIN tenants t ON t.id = $1
           LEFT JOIN subscriptions s ON s.tenant_id = t.id
           LEFT JOIN plans p ON p.code = t.plan
           LEFT JOIN usage_counters u ON u.tenant_id = t.id
             AND u.period_start = usage_period_start(s.status, s.current_period_start, (now() AT TIME ZONE 'UTC')::timestamp(3))
           LEFT JOIN messages m ON m.reply_to_message_sid = $2`;

interface StateRow {
  tenantName: string | null;
  plan: string | null;
  tenantStatus: string | null;
  pausedReason: string | null;
  replyLimit: number | null;
  repliesUsed: number | null;
  messageId: string | null;
  messageStatus: MessageStatus | null;
  errorCode: string | null;
}

function toReplyState(row: StateRow): ReplyState {
  return {
    intent: row.messageId && row.messageStatus ? toIntent({ id: row.messageId, status: row.messageStatus, errorCode: row.errorCode }) : null,
    tenant: row.tenantName !== null && row.plan !== null && row.tenantStatus !== null
      ? {
          name: row.tenantName,
          plan: row.plan,
          status: row.tenantStatus,
          pausedReason: row.pausedReason,
          replyLimit: row.replyLimit,
          repliesUsed: row.repliesUsed ?? 0,
        }
      : null,
  };
}

/** Everything a reply reads before deciding anything, in one round trip: the turn's existing intent and the tenant's gate state and name. */
export async function loadReplyState(prisma: PrismaClient, input: { tenantId: string; replyToMessageSid: string }): Promise<ReplyState> {
  const { rows } = await sqlPool(prisma).query<StateRow>({
    name: 'reply-store.load-state',
    text: `SELECT ${STATE_COLUMNS} ${STATE_FROM}`,
    values: [input.tenantId, input.replyToMessageSid],
  });
  return toReplyState(rows[0]!);
}

export interface DraftInputs extends ReplyState, ReplyAgentState {
  context: ReplyContext;
}

/**
 * What drafting a reply reads, in ONE round trip instead of three: the reply state (loadReplyState), the
 * agent's settings and previous fallback (settings-store.ts `replyAgentJoins`) and the conversation's recent
 * messages (the history and the turn). The intent and the gate decide first; the rest is read with them
 * because one statement costs the worker and Postgres less than two more, and a retry or a closed gate is rare.
 */
export async function loadDraftInputs(
  prisma: PrismaClient,
  input: { tenantId: string; conversationId: string; inboundSids: string[] },
  historyLimit: number,
): Promise<DraftInputs> {
  const replyTo = input.inboundSids[input.inboundSids.length - 1]!;
  const { rows } = await sqlPool(prisma).query<StateRow & ReplyAgentRow & { recent: RecentMessage[] | null }>({
    name: 'reply-store.load-draft-inputs',
    // Newest first, as many as the history and the turn need; `status <> 'not_sent'`: a reply never sent is
    // not part of what the customer saw.
    text: `SELECT ${STATE_COLUMNS}, ${REPLY_AGENT_COLUMNS}, r.recent
           ${STATE_FROM}
           ${replyAgentJoins({ tenantId: '$1', conversationId: '$3', replyToMessageSid: '$2' })}
           LEFT JOIN LATERAL (
             SELECT json_agg(json_build_object('direction', x.direction, 'body', x.body, 'media', x.media, 'providerMessageSid', x.provider_message_sid)
                             ORDER BY x.created_at DESC, x.id DESC) AS recent
             FROM (SELECT direction::text AS direction, body, media, provider_message_sid, created_at, id
                   FROM messages
                   WHERE conversation_id = $3 AND tenant_id = $1 AND status <> 'not_sent'
                   ORDER BY created_at DESC, id DESC
                   LIMIT $4) x
           ) r ON true`,
    values: [input.tenantId, replyTo, input.conversationId, historyLimit + input.inboundSids.length],
  });
  const row = rows[0]!;
  return { ...toReplyState(row), ...toReplyAgentState(row), context: toReplyContext(row.recent ?? [], input.inboundSids) };
}

/**
 * The intent row, the conversation's last_message_at and, for a queued AI reply, the tenant's usage count
 * and its row in the meter outbox (reported to Stripe later, in batches), all in one statement: either all
 * of them happen or none. Usage is counted here because the insert is the one step that cannot happen twice
 * (the unique reply_to_message_sid): a second insert fails as a whole. A reply that is then not sent is
 * un-counted by SETTLE_UNSENT below, so what stays counted is the replies sent.
 */
const INSERT_INTENT = `
  WITH clock AS (SELECT $17::timestamptz AT TIME ZONE 'UTC' AS at),
  message AS (
    INSERT INTO messages (id, tenant_id, conversation_id, direction, reply_to_message_sid, body, status, source,
                          error_code, error_message, model, prompt_tokens, completion_tokens, latency_ms, fallback,
                          products_used, prompt, knowledge_used, agent_version, status_updated_at, created_at, updated_at)
    SELECT $1, $2, $3, 'outbound', $4, $5, $6::message_status, $7::message_source,
           $8, $9, $10, $11::int, $12::int, $13::int, $14::boolean, $15::jsonb, $16::jsonb, $21::jsonb, $22::int, clock.at, clock.at, clock.at
    FROM clock
    RETURNING id
  ),
  touched AS (
    UPDATE conversations SET last_message_at = clock.at, updated_at = clock.at FROM clock WHERE conversations.id = $3
  ),
  counted AS (
    -- The usage period: the subscription's current billing period, else the reply's UTC calendar month
    -- (usage_period_start, the one definition the gate and the dashboard read too).
    INSERT INTO usage_counters (id, tenant_id, period_start, period_end, replies, created_at, updated_at)
    SELECT $18, $2, usage_period_start(s.status, s.current_period_start, clock.at),
           CASE WHEN usage_period_start(s.status, s.current_period_start, clock.at) = s.current_period_start THEN s.current_period_end END,
           1, clock.at, clock.at
    FROM clock LEFT JOIN subscriptions s ON s.tenant_id = $2 WHERE $19::boolean
    ON CONFLICT (tenant_id, period_start) DO UPDATE SET replies = usage_counters.replies + 1, updated_at = excluded.updated_at
  ),
  metered AS (
    INSERT INTO meter_event_outbox (message_id, tenant_id, occurred_at) SELECT $1, $2, clock.at FROM clock WHERE $19::boolean
  ),
  turn AS (
    -- The turn as the workflow decided it, on its messages: the thread shows a burst from this, not from order.
    UPDATE messages SET turn_key_sid = $4, updated_at = clock.at FROM clock
    WHERE messages.tenant_id = $2 AND messages.provider_message_sid = ANY($20::text[]) AND messages.direction = 'inbound'
  )
  SELECT id FROM message`;

/**
 * An outbound message that will not be sent after all (Twilio gave up or refused it, the customer opted out,
 * the merchant took over, WhatsApp is disconnected…), settled as `failed` / `not_sent` in one statement with
 * the reverse of INSERT_INTENT's counting: an AI reply still waiting to go (queued or sending: counted when it
 * was queued) is taken off its period's count and out of the meter outbox. Billing counts replies *sent*
 * (issue 13); the count is taken at queue time only as a reservation, so the reply gate can never let more
 * replies through than the plan allows. Exactly once: the row is locked and the refund happens only on the
 * transition out of queued/sending, so a retried activity or a second settle changes nothing. A meter event
 * already reported to Stripe (the report runs every minute) stays there: see README, "Billing".
 */
const SETTLE_UNSENT = (onlyWhilePending: boolean) => `
  WITH prior AS (
    SELECT id, tenant_id, source, status, created_at FROM messages
    WHERE id = $1 AND provider_message_sid IS NULL${onlyWhilePending ? ` AND status IN ('queued', 'sending')` : ''}
    FOR UPDATE
  ),
  settled AS (
    UPDATE messages m
    SET status = $2::message_status, error_code = $3, error_message = $4,
        status_updated_at = $5::timestamptz AT TIME ZONE 'UTC', updated_at = $5::timestamptz AT TIME ZONE 'UTC'
    FROM prior WHERE m.id = prior.id
    RETURNING prior.tenant_id, prior.created_at, (prior.source = 'ai' AND prior.status IN ('queued', 'sending')) AS uncount
  ),
  unmetered AS (
    DELETE FROM meter_event_outbox o USING settled WHERE settled.uncount AND o.message_id = $1
  ),
  uncounted AS (
    -- The period the reply was counted in: usage_period_start at the reply's creation (INSERT_INTENT's clock),
    -- never a later period (a rollover meanwhile leaves the finished period as it was).
    UPDATE usage_counters u SET replies = u.replies - 1, updated_at = $5::timestamptz AT TIME ZONE 'UTC'
    FROM settled LEFT JOIN subscriptions s ON s.tenant_id = settled.tenant_id
    WHERE settled.uncount AND u.tenant_id = settled.tenant_id AND u.replies > 0
      AND u.period_start = usage_period_start(s.status, s.current_period_start, settled.created_at)
      AND u.period_start <= settled.created_at
    RETURNING u.id
  )
  SELECT (SELECT count(*) FROM settled)::int AS settled, (SELECT count(*) FROM uncounted)::int AS uncounted`;
const SETTLE_UNSENT_ANY = SETTLE_UNSENT(false);
const SETTLE_UNSENT_PENDING = SETTLE_UNSENT(true);

export interface UnsentSettlement {
  messageId: string;
  status: 'failed' | 'not_sent';
  errorCode: string;
  errorMessage: string;
  at: Date;
  /** Only a message still queued or sending moves (a give-up must not overwrite what Twilio's callbacks decided). */
  onlyWhilePending?: boolean;
}

/** Settles a message that was not sent (no provider sid) and un-counts it if it was a counted AI reply. */
export async function settleUnsent(pool: pg.Pool, s: UnsentSettlement): Promise<{ settled: boolean; uncounted: boolean }> {
  const { rows } = await pool.query<{ settled: number; uncounted: number }>({
    name: s.onlyWhilePending ? 'reply-store.settle-unsent-pending' : 'reply-store.settle-unsent',
    text: s.onlyWhilePending ? SETTLE_UNSENT_PENDING : SETTLE_UNSENT_ANY,
    values: [s.messageId, s.status, s.errorCode, s.errorMessage.slice(0, 500), s.at],
  });
  return { settled: rows[0]!.settled > 0, uncounted: rows[0]!.uncounted > 0 };
}

/** Inserts the intent, or returns the one that won the race (unique violation on reply_to_message_sid). */
export async function insertReplyIntent(prisma: PrismaClient, intent: NewReplyIntent): Promise<ReplyIntent> {
  const counted = intent.source === 'ai' && intent.status === 'queued';
  try {
    const { rows } = await sqlPool(prisma).query<{ id: string }>({
      name: 'reply-store.insert-intent',
      text: INSERT_INTENT,
      values: [
        randomUUID(),
        intent.tenantId,
        intent.conversationId,
        intent.replyToMessageSid,
        intent.body,
        intent.status,
        intent.source,
        intent.errorCode ?? null,
        intent.errorMessage ?? null,
        intent.model ?? null,
        intent.promptTokens ?? null,
        intent.completionTokens ?? null,
        intent.latencyMs ?? null,
        intent.fallback ?? false,
        jsonb(intent.productsUsed),
        jsonb(intent.prompt),
        new Date(),
        randomUUID(),
        counted,
        [...(intent.turnSids ?? [intent.replyToMessageSid])],
        jsonb(intent.knowledgeUsed),
        intent.agentVersion ?? null,
      ],
    });
    return toIntent({ id: rows[0]!.id, status: intent.status, errorCode: intent.errorCode ?? null });
  } catch (err) {
    if (isUniqueViolation(err)) {
      const existing = await findReplyIntent(prisma, intent.replyToMessageSid);
      if (existing) return existing;
    }
    throw err;
  }
}

/** A Json? column's parameter: absent stays SQL NULL, as Prisma left it. */
function jsonb(value: Prisma.InputJsonValue | undefined): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export interface InboundMedia {
  url: string;
  contentType: string | null;
}

export interface ReplyContext {
  history: HistoryEntry[];
  /** The turn's inbound messages, in the order they arrived, with what Twilio said came attached. */
  turn: Array<{ body: string; media: InboundMedia[] }>;
}

interface RecentMessage {
  direction: 'inbound' | 'outbound';
  body: string;
  media: unknown;
  providerMessageSid: string | null;
}

/** The conversation as the model should see it (`recent`: newest first): earlier messages as history, this turn's messages last. */
function toReplyContext(recent: RecentMessage[], inboundSids: string[]): ReplyContext {
  const turnSids = new Set(inboundSids);
  const inTurn = (m: { providerMessageSid: string | null }) => m.providerMessageSid !== null && turnSids.has(m.providerMessageSid);
  const all = [...recent].reverse();
  // Messages that arrived after this turn belong to the next turn, not to this one's history.
  const lastOfTurn = all.findLastIndex(inTurn);
  const ordered = lastOfTurn >= 0 ? all.slice(0, lastOfTurn + 1) : all;
  const turn = ordered.filter(inTurn).map((m) => ({ body: m.body, media: storedMedia.parse(m.media ?? []) }));
  const history = ordered
    .filter((m) => !inTurn(m) && m.body.trim() !== '')
    .map((m): HistoryEntry => ({ role: m.direction === 'inbound' ? 'user' : 'assistant', body: m.body }));
  return { history, turn };
}

/** `messages.media` as the webhook stored it; anything else reads as no media. */
const storedMedia = z.array(z.object({ url: z.string(), contentType: z.string().nullable() })).catch([]);
