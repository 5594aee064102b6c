// Which messages each reply answered, exactly as the conversation workflow decided it: read back from its
// history. The workflow queues inbound signals (deduplicated by MessageSid) and answers everything queued
// as one turn, keyed by the turn's last sid, so turns are consecutive runs of the deduplicated signal
// order, each ending at the sid its reply is keyed by. A turn end is recorded in history as the draft
// activity's scheduled input (inline replies), the draft's local-activity marker (runs from before the draft
// was recorded: its result names the reply row), the fallback activity's result, or the `reply:{sid}` child
// workflow (child replies).
import { Client, type Connection, type WorkflowHandle } from '@temporalio/client';

/** History types as the client returns them (no direct dependency on @temporalio/proto). */
type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
type Payloads = NonNullable<HistoryEvent['workflowExecutionSignaledEventAttributes']>['input'];

export interface Turn {
  /** The sids the turn answered, in signal order; the last one keys its reply. */
  sids: string[];
  lastSid: string;
}

export interface ConversationTurns {
  turns: Turn[];
  /** Signalled but in no recorded turn (still queued, or a turn whose end is not in history). */
  untaken: string[];
  /** The run started from a continue-as-new: earlier turns live in earlier runs (not read). */
  continued: boolean;
  /** Turn ends that could not be placed (a reply row missing, a sid never signalled). */
  anomalies: string[];
}

function json(payloads: Payloads): unknown {
  const data = payloads?.payloads?.[0]?.data;
  if (!data) return undefined;
  try {
    return JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Reads every conversation's history. `replyToOf` maps a reply row id (what an inline draft returns) to the
 * sid it is keyed by.
 */
export async function loadTurns(
  connection: Connection,
  workflows: ReadonlyArray<{ conversationId: string; workflowId: string }>,
  replyToOf: ReadonlyMap<string, string>,
  concurrency = 8,
): Promise<Map<string, ConversationTurns>> {
  const client = new Client({ connection, namespace: 'default' });
  const out = new Map<string, ConversationTurns>();
  const queue = [...workflows];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let w = queue.shift(); w; w = queue.shift()) {
        const history = await client.workflow.getHandle(w.workflowId).fetchHistory();
        out.set(w.conversationId, turnsOf(history.events ?? [], replyToOf));
      }
    }),
  );
  return out;
}

export function turnsOf(events: readonly HistoryEvent[], replyToOf: ReadonlyMap<string, string>): ConversationTurns {
  const signals: string[] = [];
  const seen = new Set<string>();
  const ends: string[] = [];
  const anomalies: string[] = [];
  const fallbackScheduled = new Set<string>();
  const draftedTurns = new Set<string>();
  let continued = false;
  const signalled = (sid: string) => {
    if (seen.has(sid)) return;
    seen.add(sid);
    signals.push(sid);
  };
  const endAtRow = (messageId: unknown, what: string) => {
    const sid = typeof messageId === 'string' ? replyToOf.get(messageId) : undefined;
    if (sid) ends.push(sid);
    else anomalies.push(`${what} names reply row ${String(messageId)}, which is not an AI reply row`);
  };

  for (const e of events) {
    const started = e.workflowExecutionStartedEventAttributes;
    if (started) {
      const input = json(started.input) as { carried?: { seen?: string[]; pending?: Array<{ messageSid: string }> } } | undefined;
      if (input?.carried) {
        continued = true;
        for (const sid of input.carried.seen ?? []) seen.add(sid);
        for (const p of input.carried.pending ?? []) signals.push(p.messageSid);
      }
    }
    const signal = e.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName === 'inboundMessage') {
      const sid = (json(signal.input) as { messageSid?: unknown } | undefined)?.messageSid;
      if (typeof sid === 'string') signalled(sid);
    }
    const marker = e.markerRecordedEventAttributes;
    if (marker?.details) {
      const data = json(marker.details['data']) as { activity_type?: string } | undefined;
      const result = json(marker.details['result']) as { messageId?: unknown } | undefined;
      if (data?.activity_type === 'draftReply' && result) endAtRow(result.messageId, 'the draft marker');
    }
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'draftReply') {
      // A recorded draft: its input is the turn, fixed in history before the activity runs.
      const sids = (json(scheduled.input) as { inboundSids?: unknown } | undefined)?.inboundSids;
      const last = Array.isArray(sids) ? sids[sids.length - 1] : undefined;
      if (typeof last === 'string') {
        ends.push(last);
        draftedTurns.add(last);
      } else anomalies.push(`draft activity ${String(e.eventId)} has no inbound sids`);
    }
    if (scheduled?.activityType?.name === 'recordFallbackReply') fallbackScheduled.add(String(e.eventId));
    const completed = e.activityTaskCompletedEventAttributes;
    if (completed && fallbackScheduled.has(String(completed.scheduledEventId))) {
      const messageId = (json(completed.result) as { messageId?: unknown } | undefined)?.messageId;
      // After a recorded draft that failed, the fallback answers the turn the draft already ended.
      const sid = typeof messageId === 'string' ? replyToOf.get(messageId) : undefined;
      if (!(sid && draftedTurns.has(sid))) endAtRow(messageId, 'the fallback activity');
    }
    const child = e.startChildWorkflowExecutionInitiatedEventAttributes;
    if (child?.workflowId?.startsWith('reply:')) ends.push(child.workflowId.slice('reply:'.length));
  }

  const turns: Turn[] = [];
  let from = 0;
  for (const end of ends) {
    const at = signals.indexOf(end, from);
    if (at < 0) {
      anomalies.push(`a turn ends at ${end}, which is not among the signals after the previous turn`);
      continue;
    }
    turns.push({ sids: signals.slice(from, at + 1), lastSid: end });
    from = at + 1;
  }
  return { turns, untaken: signals.slice(from), continued, anomalies };
}
