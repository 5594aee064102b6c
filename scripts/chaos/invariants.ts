// What "nothing lost, nothing doubled" means, checked against the ground truth on both sides: what the
// customers sent (the plan), what the database stored and decided, what the Twilio stand-in actually sent,
// and what Temporal says about every conversation's workflow.
import { Client, type Connection } from '@temporalio/client';
import type pg from 'pg';
import type { FakeTwilio } from '../../fakes/twilio/server.js';
import { noReplyReasons } from '../../lib/conversations/no-reply.js';
import { conversationState, type ConversationState } from '../../workflows/contracts/conversation.js';
import type { ChaosShop } from './shop.js';
import type { DeliveryOutcome, PlannedMessage } from './traffic.js';
import { loadTurns, type ConversationTurns } from './turns.js';

export interface Violation {
  invariant: string;
  detail: string;
}

interface InboundRow {
  id: string;
  sid: string;
  conversation_id: string;
  created_at: Date;
  no_reply_reason: string | null;
  turn_key_sid: string | null;
}

interface OutboundRow {
  id: string;
  conversation_id: string;
  reply_to_message_sid: string | null;
  provider_message_sid: string | null;
  status: string;
  source: string;
  body: string;
  error_code: string | null;
  error_message: string | null;
  fallback: boolean;
  send_attempts: number;
  created_at: Date;
}

interface ConversationRow {
  id: string;
  customer_address: string;
  workflow_id: string | null;
}

export interface Evidence {
  inbound: InboundRow[];
  outbound: OutboundRow[];
  conversations: ConversationRow[];
  handoffs: number;
  /** The stand-in's outbound messages from the shop's subaccount: sid → { to, body, at (epoch ms) }. */
  sentByTwilio: Map<string, { to: string; body: string; at: number }>;
}

/** The gate's bookkeeping row is not a message (lib/conversations/feed.ts NOT_A_MESSAGE). */
const isBookkeeping = (m: Pick<OutboundRow, 'source' | 'status' | 'body'>) => m.source === 'ai' && m.status === 'not_sent' && m.body === '';

export async function loadEvidence(pool: pg.Pool, twilio: FakeTwilio, shop: ChaosShop): Promise<Evidence> {
  const [inbound, outbound, conversations, handoffs] = await Promise.all([
    pool.query<InboundRow>(
      `SELECT id, provider_message_sid AS sid, conversation_id, created_at, no_reply_reason, turn_key_sid
       FROM messages WHERE tenant_id = $1 AND direction = 'inbound'`,
      [shop.tenantId],
    ),
    pool.query<OutboundRow>(
      `SELECT id, conversation_id, reply_to_message_sid, provider_message_sid, status::text AS status, source::text AS source, body,
              error_code, error_message, fallback, send_attempts, created_at
       FROM messages WHERE tenant_id = $1 AND direction = 'outbound'`,
      [shop.tenantId],
    ),
    pool.query<ConversationRow>('SELECT id, customer_address, workflow_id FROM conversations WHERE tenant_id = $1', [shop.tenantId]),
    pool.query<{ n: number }>('SELECT count(*)::int AS n FROM inbound_handoffs WHERE tenant_id = $1', [shop.tenantId]),
  ]);
  const sentByTwilio = new Map<string, { to: string; body: string; at: number }>();
  for (const m of twilio.state.messages.values()) {
    if (m.direction === 'outbound-api' && m.accountSid === shop.subaccountSid) sentByTwilio.set(m.sid, { to: m.to, body: m.body, at: m.dateCreated });
  }
  return {
    inbound: inbound.rows,
    outbound: outbound.rows,
    conversations: conversations.rows,
    handoffs: handoffs.rows[0]?.n ?? 0,
    sentByTwilio,
  };
}

export interface MessageCounts {
  inboundSent: number;
  deliveries: number;
  duplicateDeliveries: number;
  reorderedMessages: number;
  retriedDeliveries: number;
  /** How the first attempt of a retried delivery failed ("503", "timeout…", "ECONNREFUSED"…), counted. */
  firstFailures: Record<string, number>;
  /** Longest time from a delivery's first attempt to the attempt the API accepted, ms. */
  longestRetryMs: number;
  fallbackDeliveries: number;
  stored: number;
  answeredDirectly: number;
  answeredInBurst: number;
  recordedReason: number;
  unanswered: number;
  /** Of the unanswered: answered by a sent reply of a later turn (the workflow's history says so). */
  answeredLater: number;
  /** Turns the workflows recorded (one reply each). */
  turns: number;
  /** Stored messages in no recorded turn. */
  untaken: number;
  /** Reply rows drafted for a turn no workflow recorded. */
  orphanDrafts: number;
  /** Of those, sent while the recorded turn's reply was sent too: the customer was answered twice. */
  answeredTwice: number;
  repliesIntended: number;
  repliesSent: number;
  sentAtTwilio: number;
  duplicates: number;
  repliesNotSent: number;
  fallbackAnswers: number;
  conversations: number;
  /** From the turn's last message stored to its reply accepted by the stand-in, ms (p50, p99, max). */
  replyLatencyMs: { p50: number; p99: number; max: number } | null;
}

/** How each stored inbound message was settled, as the dashboard's thread shows it. */
function classify(evidence: Evidence): Map<string, 'direct' | 'burst' | 'reason' | 'none'> {
  const bySid = new Map<string, 'direct' | 'burst' | 'reason' | 'none'>();
  const threads = new Map<string, Array<{ direction: 'inbound' | 'outbound'; providerMessageSid: string | null; replyToMessageSid: string | null; noReplyReason: string | null; turnKeySid: string | null; createdAt: Date; id: string }>>();
  for (const m of evidence.inbound) {
    const list = threads.get(m.conversation_id) ?? [];
    list.push({ direction: 'inbound', providerMessageSid: m.sid, replyToMessageSid: null, noReplyReason: m.no_reply_reason, turnKeySid: m.turn_key_sid, createdAt: m.created_at, id: m.id });
    threads.set(m.conversation_id, list);
  }
  for (const m of evidence.outbound) {
    if (isBookkeeping(m)) continue;
    const list = threads.get(m.conversation_id) ?? [];
    list.push({ direction: 'outbound', providerMessageSid: m.provider_message_sid, replyToMessageSid: m.reply_to_message_sid, noReplyReason: null, turnKeySid: null, createdAt: m.created_at, id: m.id });
    threads.set(m.conversation_id, list);
  }
  const answered = new Set(evidence.outbound.filter((m) => !isBookkeeping(m) && m.reply_to_message_sid).map((m) => m.reply_to_message_sid!));
  for (const thread of threads.values()) {
    // The dashboard's order: created_at, then id (api/plugins/conversations.ts readConversation).
    thread.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const reasons = noReplyReasons(thread);
    thread.forEach((m, i) => {
      if (m.direction !== 'inbound' || !m.providerMessageSid) return;
      const reason = reasons[i];
      bySid.set(m.providerMessageSid, answered.has(m.providerMessageSid) ? 'direct' : reason === 'answered_with_next' ? 'burst' : reason ? 'reason' : 'none');
    });
  }
  return bySid;
}

/**
 * `turns`: each conversation's turns read from its workflow history (turns.ts); empty = not read (the
 * turn-based checks are then skipped).
 */
export function checkMessages(
  plan: readonly PlannedMessage[],
  outcomes: readonly DeliveryOutcome[],
  evidence: Evidence,
  turns: ReadonlyMap<string, ConversationTurns>,
): { counts: MessageCounts; violations: Violation[] } {
  const violations: Violation[] = [];
  const planned = new Map(plan.map((m) => [m.sid, m]));

  // Twilio's side: every message reached the API (an accepted delivery), none was refused with a 4xx.
  let deliveries = 0;
  let retried = 0;
  let fallback = 0;
  let longestRetryMs = 0;
  const firstFailures: Record<string, number> = {};
  for (const o of outcomes) {
    if (o.error) violations.push({ invariant: 'every message was delivered', detail: `${o.message.sid}: the stand-in's control call failed: ${o.error}` });
    deliveries += o.deliveries.filter((d) => d.kind === 'inbound').length;
    for (const d of o.deliveries) {
      const first = d.attempts[0];
      if (d.attempts.length < 2 || !first) continue;
      retried += 1;
      const why = first.statusCode !== null ? String(first.statusCode) : (first.error ?? 'error').replace(/^fetch failed.*/, 'connection failed');
      firstFailures[why] = (firstFailures[why] ?? 0) + 1;
      if (d.ok) longestRetryMs = Math.max(longestRetryMs, d.attempts.at(-1)!.at - first.at);
    }
    // Each run of a message is [inbound URL] or, when that failed, [inbound URL, Fallback URL].
    fallback += o.deliveries.filter((_, i) => i > 0 && !o.deliveries[i - 1]!.ok).length;
    if (!o.error && !o.deliveries.some((d) => d.ok)) {
      const last = o.deliveries.at(-1)?.attempts.at(-1);
      violations.push({
        invariant: 'every message was delivered',
        detail: `${o.message.sid}: no delivery was accepted (last answer ${last?.statusCode ?? last?.error ?? 'none'} after ${o.deliveries.reduce((n, d) => n + d.attempts.length, 0)} attempts)`,
      });
    }
    for (const d of o.deliveries) {
      const refused = d.attempts.find((a) => a.statusCode !== null && a.statusCode >= 400 && a.statusCode < 500);
      if (refused) violations.push({ invariant: 'no webhook refused with 4xx (final, here as at Twilio)', detail: `${o.message.sid}: ${refused.statusCode} ${refused.responseBody.slice(0, 120)}` });
    }
  }

  // Stored exactly once, and nothing stored that nobody sent.
  const storedCount = new Map<string, number>();
  for (const m of evidence.inbound) storedCount.set(m.sid, (storedCount.get(m.sid) ?? 0) + 1);
  const lost = plan.filter((m) => !storedCount.has(m.sid));
  for (const m of lost) violations.push({ invariant: 'every inbound message is stored', detail: `${m.sid} (customer ${m.customer}, #${m.seq}) was never stored` });
  for (const [sid, n] of storedCount) {
    if (n > 1) violations.push({ invariant: 'every inbound message is stored exactly once', detail: `${sid} stored ${n} times` });
    if (!planned.has(sid)) violations.push({ invariant: 'nothing stored that nobody sent', detail: `${sid} is stored but was never sent` });
  }

  // Answered exactly once, as the workflow decided it (its history): each stored message in one recorded turn,
  // and no reply drafted for a turn the workflow did not record (a workflow task that never completed).
  const rowsByReplyTo = new Map<string, OutboundRow>();
  for (const r of evidence.outbound) if (r.reply_to_message_sid && r.source === 'ai') rowsByReplyTo.set(r.reply_to_message_sid, r);
  const turnOf = new Map<string, { sids: string[]; lastSid: string }>();
  let turnCount = 0;
  for (const [conversationId, t] of turns) {
    turnCount += t.turns.length;
    for (const turn of t.turns) for (const sid of turn.sids) turnOf.set(sid, turn);
    for (const a of t.anomalies) violations.push({ invariant: 'the workflow history accounts for every reply', detail: `conversation ${conversationId}: ${a}` });
  }
  const describeRow = (r: OutboundRow | undefined) =>
    r ? `reply ${r.id} (to ${r.reply_to_message_sid}, ${r.provider_message_sid ? `sent as ${r.provider_message_sid}` : r.status})` : 'no reply row';
  let untaken = 0;
  for (const m of evidence.inbound) {
    if (turnOf.has(m.sid) || turns.size === 0) continue;
    const conversation = turns.get(m.conversation_id);
    if (conversation?.continued) continue; // an earlier run answered it (not read)
    untaken += 1;
    const p = planned.get(m.sid);
    violations.push({
      invariant: 'every stored message is answered by a turn of its workflow',
      detail: `${m.sid}${p ? ` (customer ${p.customer}, #${p.seq})` : ''} is in no turn the workflow recorded${conversation?.untaken.includes(m.sid) ? ' (signalled, still queued)' : ' (never signalled)'}`,
    });
  }
  let orphanDrafts = 0;
  let answeredTwice = 0;
  for (const r of evidence.outbound) {
    if (r.source !== 'ai' || !r.reply_to_message_sid || isBookkeeping(r) || turns.size === 0) continue;
    const turn = turnOf.get(r.reply_to_message_sid);
    if (turn?.lastSid === r.reply_to_message_sid) continue;
    if (turns.get(r.conversation_id)?.continued) continue;
    orphanDrafts += 1;
    const recorded = turn ? `the recorded turn holding ${r.reply_to_message_sid} is [${turn.sids.join(', ')}], answered by ${describeRow(rowsByReplyTo.get(turn.lastSid))}` : `${r.reply_to_message_sid} is in no recorded turn`;
    const what = `${describeRow(r)} was drafted for a turn the workflow never recorded (a workflow task that did not complete, then ran again with more messages); ${recorded}`;
    if (r.provider_message_sid && turn && rowsByReplyTo.get(turn.lastSid)?.provider_message_sid) {
      answeredTwice += 1;
      violations.push({ invariant: 'no message is answered twice', detail: `the customer got both: ${what}` });
    } else {
      violations.push({ invariant: 'every drafted reply belongs to a turn the workflow recorded', detail: `${what}; usage was counted for it` });
    }
  }

  // As the dashboard's thread shows it: its own reply, or answered with a later message of its burst, or a reason.
  const settled = classify(evidence);
  const tally = { direct: 0, burst: 0, reason: 0, none: 0 };
  let answeredLater = 0;
  for (const [sid, how] of settled) {
    tally[how] += 1;
    if (how !== 'none') continue;
    const p = planned.get(sid);
    const turn = turnOf.get(sid);
    const reply = turn ? rowsByReplyTo.get(turn.lastSid) : undefined;
    if (reply?.provider_message_sid) answeredLater += 1;
    violations.push({
      invariant: 'every stored inbound message is answered (or says why not)',
      detail:
        `${sid}${p ? ` (customer ${p.customer}, #${p.seq})` : ''}: the thread shows no reply of its own, no answered message after it before the next outbound, and no reason` +
        (turn && turn.lastSid !== sid
          ? `; the workflow answered it in the turn [${turn.sids.join(', ')}] with ${describeRow(reply)}, which the thread (created_at order) shows after ${describeRow(firstOutboundAfter(evidence, sid))}`
          : ''),
    });
  }

  // Replies: each intended reply went out once; the stand-in sent nothing that no reply owns.
  const intended = evidence.outbound.filter((m) => !isBookkeeping(m));
  const owners = new Map<string, OutboundRow>();
  for (const m of intended) if (m.provider_message_sid) owners.set(m.provider_message_sid, m);
  let notSent = 0;
  for (const m of intended) {
    if (m.error_code === 'send_gave_up') {
      violations.push({ invariant: 'no reply gave up sending', detail: `reply ${m.id} (to ${m.reply_to_message_sid}): ${m.error_message ?? ''}`.slice(0, 300) });
    }
    if (!m.provider_message_sid) {
      notSent += 1;
      if (m.error_code !== 'send_gave_up') {
        violations.push({ invariant: 'every intended reply is sent', detail: `reply ${m.id} (to ${m.reply_to_message_sid}) is ${m.status}${m.error_code ? ` (${m.error_code}: ${m.error_message ?? ''})` : ''}, ${m.send_attempts} send attempts`.slice(0, 300) });
      }
    } else if (!evidence.sentByTwilio.has(m.provider_message_sid)) {
      violations.push({ invariant: 'every recorded send happened', detail: `reply ${m.id} records ${m.provider_message_sid}, which the stand-in never sent` });
    }
  }
  let duplicates = 0;
  for (const [sid, sent] of evidence.sentByTwilio) {
    if (owners.has(sid)) continue;
    duplicates += 1;
    const twins = intended.filter((m) => m.body === sent.body && sent.to.endsWith(addressOf(evidence, m.conversation_id)));
    violations.push({
      invariant: 'no reply was sent twice',
      detail: `the stand-in sent ${sid} to ${sent.to}, which no reply owns${twins.length ? `; same text as reply ${twins.map((t) => `${t.id} (to ${t.reply_to_message_sid}, sent as ${t.provider_message_sid})`).join(', ')}` : ''}`,
    });
  }

  const customers = new Set(plan.map((m) => `whatsapp:${m.customer}`));
  for (const c of evidence.conversations) {
    const addressed = c.customer_address.startsWith('whatsapp:') ? c.customer_address : `whatsapp:${c.customer_address}`;
    if (!customers.has(addressed)) violations.push({ invariant: 'one conversation per customer', detail: `conversation ${c.id} for ${c.customer_address}, who is not a customer of this run` });
  }
  if (evidence.conversations.length !== customers.size) {
    violations.push({ invariant: 'one conversation per customer', detail: `${evidence.conversations.length} conversations for ${customers.size} customers` });
  }

  return {
    counts: {
      inboundSent: plan.length,
      deliveries,
      duplicateDeliveries: plan.reduce((n, m) => n + m.duplicates, 0),
      reorderedMessages: plan.filter((m) => m.reordered).length,
      retriedDeliveries: retried,
      firstFailures,
      longestRetryMs,
      fallbackDeliveries: fallback,
      stored: [...storedCount.keys()].filter((sid) => planned.has(sid)).length,
      answeredDirectly: tally.direct,
      answeredInBurst: tally.burst,
      recordedReason: tally.reason,
      unanswered: tally.none + lost.length,
      answeredLater,
      turns: turnCount,
      untaken,
      orphanDrafts,
      answeredTwice,
      repliesIntended: intended.length,
      repliesSent: intended.length - notSent,
      sentAtTwilio: evidence.sentByTwilio.size,
      duplicates,
      repliesNotSent: notSent,
      fallbackAnswers: intended.filter((m) => m.fallback).length,
      conversations: evidence.conversations.length,
      replyLatencyMs: latency(evidence, intended),
    },
    violations,
  };
}

/** The first outbound message the thread shows after this inbound one (created_at, id order). */
function firstOutboundAfter(evidence: Evidence, sid: string): OutboundRow | undefined {
  const m = evidence.inbound.find((x) => x.sid === sid);
  if (!m) return undefined;
  return evidence.outbound
    .filter((r) => r.conversation_id === m.conversation_id && !isBookkeeping(r) && (r.created_at > m.created_at || (r.created_at.getTime() === m.created_at.getTime() && r.id > m.id)))
    .sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : 1))[0];
}

function latency(evidence: Evidence, replies: readonly OutboundRow[]): MessageCounts['replyLatencyMs'] {
  const storedAt = new Map(evidence.inbound.map((m) => [m.sid, m.created_at.getTime()]));
  const values: number[] = [];
  for (const r of replies) {
    const sent = r.provider_message_sid ? evidence.sentByTwilio.get(r.provider_message_sid) : undefined;
    const stored = r.reply_to_message_sid ? storedAt.get(r.reply_to_message_sid) : undefined;
    if (sent && stored !== undefined) values.push(sent.at - stored);
  }
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const pct = (p: number) => values[Math.min(values.length - 1, Math.ceil(p * values.length) - 1)]!;
  return { p50: pct(0.5), p99: pct(0.99), max: values.at(-1)! };
}

function addressOf(evidence: Evidence, conversationId: string): string {
  const address = evidence.conversations.find((c) => c.id === conversationId)?.customer_address ?? '';
  return address.replace(/^whatsapp:/, '');
}

/** What still moves: the drain waits until all of it is zero. */
export interface PendingWork {
  handoffs: number;
  unsentReplies: number;
  unsettledInbound: number;
  notStored: number;
  twilioBusy: number;
}

export function pendingWork(plan: readonly PlannedMessage[], evidence: Evidence, twilio: FakeTwilio): PendingWork {
  const settled = classify(evidence);
  const stored = new Set(evidence.inbound.map((m) => m.sid));
  let twilioBusy = twilio.state.deliveries.filter((d) => !d.done).length;
  for (const m of twilio.state.messages.values()) if (m.plan.length > 0) twilioBusy += 1;
  return {
    handoffs: evidence.handoffs,
    unsentReplies: unsent(evidence).length,
    unsettledInbound: [...settled.values()].filter((how) => how === 'none').length,
    notStored: plan.filter((m) => !stored.has(m.sid)).length,
    twilioBusy,
  };
}

const unsent = (evidence: Evidence) =>
  evidence.outbound.filter((m) => !isBookkeeping(m) && !m.provider_message_sid && (m.status === 'queued' || m.status === 'sending'));

/**
 * Unsent reply rows that nothing will ever send: drafted for a turn the workflow then recorded differently
 * (the sid it is keyed by sits in a recorded turn keyed by another sid). The drain does not wait for them;
 * the checks report them.
 */
export async function orphanedUnsent(connection: Connection, evidence: Evidence): Promise<string[]> {
  const rows = unsent(evidence).filter((r) => r.source === 'ai' && r.reply_to_message_sid);
  if (rows.length === 0) return [];
  const ids = new Set(rows.map((r) => r.conversation_id));
  const workflows = evidence.conversations.filter((c) => ids.has(c.id) && c.workflow_id).map((c) => ({ conversationId: c.id, workflowId: c.workflow_id! }));
  const replyToOf = new Map(evidence.outbound.filter((r) => r.source === 'ai' && r.reply_to_message_sid).map((r) => [r.id, r.reply_to_message_sid!]));
  const turns = await loadTurns(connection, workflows, replyToOf);
  return rows
    .filter((r) => turns.get(r.conversation_id)?.turns.some((t) => t.sids.includes(r.reply_to_message_sid!) && t.lastSid !== r.reply_to_message_sid))
    .map((r) => r.id);
}

/** Nothing queued outside the workflows (the thread classification is reported, not waited for). */
export const isIdle = (p: PendingWork) => p.handoffs + p.unsentReplies + p.notStored + p.twilioBusy === 0;

/**
 * Conversations whose workflow still has work: messages pending (quiet period), or a reply started that has
 * no intent row yet (drafting). `repliesStarted` counts the turns a run started (replayed deterministically
 * after a worker restart); each started turn writes exactly one AI intent row keyed by its last sid.
 */
export async function busyWorkflows(connection: Connection, evidence: Evidence, concurrency = 8): Promise<string[]> {
  const client = new Client({ connection, namespace: 'default' });
  const rows = new Map<string, number>();
  for (const r of evidence.outbound) if (r.source === 'ai' && r.reply_to_message_sid) rows.set(r.conversation_id, (rows.get(r.conversation_id) ?? 0) + 1);
  const busy: string[] = [];
  const queue = [...evidence.conversations];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        if (!c.workflow_id) continue;
        try {
          const state = await client.workflow.getHandle(c.workflow_id).query<ConversationState>(conversationState);
          const written = rows.get(c.id) ?? 0;
          if (state.pendingInbound > 0) busy.push(`${c.customer_address}: ${state.pendingInbound} pending`);
          else if (state.repliesStarted > written) busy.push(`${c.customer_address}: reply ${written + 1} of ${state.repliesStarted} being drafted`);
        } catch (err) {
          busy.push(`${c.customer_address}: state query failed (${(err as Error).message.split('\n')[0]})`);
        }
      }
    }),
  );
  return busy;
}

export interface WorkflowHealth {
  total: number;
  healthy: number;
  violations: Violation[];
}

/** Each conversation's workflow: RUNNING (not failed, not terminated), its `state` query answers, nothing pending. */
export async function checkWorkflows(connection: Connection, evidence: Evidence, concurrency = 8): Promise<WorkflowHealth> {
  const client = new Client({ connection, namespace: 'default' });
  const violations: Violation[] = [];
  let healthy = 0;
  const queue = [...evidence.conversations];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const id = c.workflow_id;
        if (!id) {
          violations.push({ invariant: 'every conversation workflow is healthy', detail: `conversation ${c.id} has no workflow id` });
          continue;
        }
        try {
          const handle = client.workflow.getHandle(id);
          const description = await handle.describe();
          if (description.status.name !== 'RUNNING') throw new Error(`status ${description.status.name}`);
          const state = await Promise.race([
            handle.query<ConversationState>(conversationState),
            new Promise<never>((_, reject) => setTimeout(() => reject(new Error('state query unanswered after 20 s')), 20_000).unref()),
          ]);
          if (state.pendingInbound !== 0) throw new Error(`${state.pendingInbound} inbound messages still pending`);
          healthy += 1;
        } catch (err) {
          violations.push({ invariant: 'every conversation workflow is healthy', detail: `${id}: ${(err as Error).message.split('\n')[0]}` });
        }
      }
    }),
  );
  return { total: evidence.conversations.length, healthy, violations };
}
