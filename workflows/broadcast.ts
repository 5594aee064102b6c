import {
  ActivityCancellationType,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { BroadcastActivities } from '../activities/broadcasts.js';
import type { BatchReport, TwilioBroadcastActivities } from '../activities/twilio-broadcasts.js';
import { DATABASE_CALL } from './activity-options.js';
import {
  broadcastProgress,
  cancelBroadcast,
  pauseBroadcast,
  resumeBroadcast,
  type BroadcastInput,
  type BroadcastOutcome,
  type BroadcastPhase,
  type BroadcastTimeline,
  type PauseReason,
  type TemplateList,
} from './contracts/broadcast.js';
import { failureReason } from './failure-reason.js';

/** A run's history stays bounded: after this many batches (~11 events each) it continues as new. */
const MAX_BATCHES_PER_RUN = 250;
/**
 * A batch is 40 ms of sending per message a second, from one second (up to 25 msg/s) to twenty (500 msg/s and
 * more: 10,000 recipients at 500), so the round trip between two batches stays a small share of the time and of
 * the 10% the pacing has to win lost time back; under 10 msg/s, ten messages' worth, up to ten seconds. A pause
 * or a cancel still stops a batch at once (it is cancelled), and 100,000 recipients at 500 msg/s take 10 batches.
 */
const MIN_BATCH_MS = 1_000;
const MS_PER_RATE = 40;
const MAX_FAST_BATCH_MS = 20_000;
const SLOW_RATE = 10;
const MAX_SLOW_BATCH_MS = 10_000;
const MESSAGES_PER_SLOW_BATCH = 10;
/**
 * Runs that started before `broadcast-one-timeline` restarted the line whenever a batch started more than
 * MAX_LATE_MS behind it (the lost time was dropped), and keep doing so, so their histories replay; runs with the
 * patch keep the line and win the time back.
 */
const ONE_TIMELINE_PATCH = 'broadcast-one-timeline';
const MAX_LATE_MS = 2_000;
/** WhatsApp reports 63018 (over the sender's rate) after the send: sends this many seconds back are re-checked. */
const RECHECK_SECONDS = 30;
/** Twilio's "slow down": the wait doubles per throttled batch in a row, up to this (Twilio's Retry-After, if longer, wins). */
const MAX_BACKOFF_MS = 60_000;
/** After a throttle the rate drops by a tenth, never below this share of the configured rate, and recovers 25% per clean batch. */
const SLOW_DOWN = 0.9;
const MIN_RATE_SHARE = 0.1;
/** While slowed down, batches are at most this long, so a clean one brings the rate back within seconds, not a 20 s batch. */
const RECOVERY_BATCH_MS = 2_000;

const store = proxyActivities<BroadcastActivities>(DATABASE_CALL);
// One batch: it heartbeats between sends, so a dead worker's batch is retried within seconds, and a pause or a
// cancel (which cancels the batch) is seen at once; the batch then settles what it sent before it returns.
const sender = proxyActivities<TwilioBroadcastActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '6 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});
// A person is waiting on the template list.
const contentApi = proxyActivities<TwilioBroadcastActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '3 seconds', maximumAttempts: 3 },
});

/**
 * One broadcast (`broadcast:{tenant}:{broadcast}`): wait for its time → freeze its audience (behind the billing
 * gate) → send in batches at the configured rate, each recipient exactly once (the recipient and message rows,
 * not this workflow's memory, guarantee it) → record the outcome. Pause, resume and cancel are signals; Twilio's
 * 429 / 20429 / 63018 slow it down; a closed billing gate pauses it. It continues as new every few hundred
 * batches, so 100,000 recipients never make one long history.
 *
 * The pace is one timeline for the whole broadcast (carried across batches and runs): send k is due at
 * origin + k/rate of workflow time. A batch that starts behind it is told how far, and wins the time back at
 * up to 10% over the rate (lib/broadcasts/pacing.ts); what it cannot win back the next batch is told. The line
 * starts again only where sending stopped on purpose: after a pause, a throttle's backoff, a rate change.
 */
export async function broadcastWorkflow(input: BroadcastInput): Promise<BroadcastOutcome> {
  const { tenantId, broadcastId } = input;
  const carried = input.carried;
  let started = carried?.started ?? false;
  let total = carried?.total ?? 0;
  let paused: PauseReason | null = carried?.paused ?? null;
  let cancelled = carried?.cancelled ?? false;
  let effectiveRate = carried?.effectiveRate ?? input.ratePerSecond;
  let throttleStreak = carried?.throttleStreak ?? 0;
  let throttles = carried?.throttles ?? 0;
  // A run carried from before the timeline existed starts its line where its next batch was due.
  let timeline: BroadcastTimeline = carried?.timeline ?? { originMs: carried?.nextBatchAt ?? 0, index: 0, ratePerSecond: effectiveRate };
  const dueAt = (): number => timeline.originMs + (timeline.index * 1000) / timeline.ratePerSecond;
  /** A new line from `atMs` (sending stopped on purpose, or the rate changed): nothing before it is owed. */
  const restartTimeline = (atMs: number, ratePerSecond: number) => void (timeline = { originMs: atMs, index: 0, ratePerSecond });
  const oneTimeline = patched(ONE_TIMELINE_PATCH);
  let startedAt = carried?.startedAt ?? null;
  let batches = carried?.batches ?? 0;
  let processed = carried?.processed ?? 0;
  let maxSeq = carried?.maxSeq ?? 0;
  let phase: BroadcastPhase = started ? 'sending' : input.scheduledAt ? 'scheduled' : 'starting';
  let throttledUntil: number | null = null;
  let lastThrottleCode: string | null = null;
  let failure: string | null = null;
  let batchesThisRun = 0;
  let batchScope: CancellationScope | null = null;

  setHandler(pauseBroadcast, () => {
    if (cancelled || paused) return;
    paused = { by: 'merchant', message: null };
    batchScope?.cancel();
  });
  // A resume also lifts a billing pause: the next batch asks the gate again, and pauses again if it is still shut.
  setHandler(resumeBroadcast, () => void (paused = null));
  setHandler(cancelBroadcast, () => {
    cancelled = true;
    batchScope?.cancel();
  });
  setHandler(broadcastProgress, () => ({
    phase: paused && !cancelled && !isFinished(phase) ? 'paused' : phase,
    total,
    processed,
    ratePerSecond: input.ratePerSecond,
    effectiveRate,
    paused,
    throttledUntil: throttledUntil !== null && throttledUntil > Date.now() ? new Date(throttledUntil).toISOString() : null,
    lastThrottleCode,
    throttles,
    scheduledAt: input.scheduledAt,
    startedAt,
    batches,
    run: (carried?.runsBefore ?? 0) + 1,
    failure,
    updatedAt: new Date().toISOString(),
  }));

  const finish = async (outcome: BroadcastOutcome['status'], reason: string | null = null): Promise<BroadcastOutcome> => {
    // The last batch's messages take their share of time too: N recipients at R/s take N/R seconds.
    if (outcome === 'completed' && dueAt() > Date.now()) await condition(() => cancelled, dueAt() - Date.now());
    phase = outcome;
    failure = reason;
    await store.finishBroadcast({ tenantId, broadcastId, outcome, reason });
    return { status: outcome, total, reason };
  };

  /** Waits out a pause (recording it for the dashboard); false when the broadcast was cancelled meanwhile. */
  const waitWhilePaused = async (): Promise<boolean> => {
    const reason = paused!;
    phase = 'paused';
    await store.recordBroadcastPhase({ tenantId, broadcastId, phase: 'paused', reason: reason.message, byBilling: reason.by === 'billing' });
    await condition(() => paused === null || cancelled);
    if (cancelled) return false;
    await store.recordBroadcastPhase({ tenantId, broadcastId, phase: 'running', reason: null, byBilling: reason.by === 'billing' });
    restartTimeline(Math.max(dueAt(), Date.now()), effectiveRate);
    return true;
  };

  try {
    if (!started && input.scheduledAt) {
      const wait = Date.parse(input.scheduledAt) - Date.now();
      if (wait > 0) await condition(() => cancelled, wait);
    }

    // The audience is frozen when sending starts: whoever opted out while it was scheduled is not in it.
    while (!started) {
      if (cancelled) return await finish('cancelled');
      if (paused) {
        await waitWhilePaused();
        continue;
      }
      phase = 'starting';
      const start = await store.startBroadcast({ tenantId, broadcastId });
      if (start.fatal) return await finish('failed', start.fatal);
      if (start.blocked) {
        paused = { by: 'billing', message: start.blocked.message };
        continue;
      }
      started = true;
      total = start.total;
      startedAt = new Date().toISOString();
      restartTimeline(Date.now(), effectiveRate);
    }

    for (;;) {
      if (cancelled) return await finish('cancelled');
      if (paused) {
        await waitWhilePaused();
        continue;
      }
      const wait = dueAt() - Date.now();
      if (wait > 0 && (await condition(() => paused !== null || cancelled, wait))) continue;
      phase = 'sending';
      throttledUntil = null;

      const rate = effectiveRate;
      if (timeline.ratePerSecond !== rate) restartTimeline(dueAt(), rate);
      const batchStart = Date.now();
      // How far behind the broadcast's timeline this batch starts: its sends win that back (bounded).
      let lateMs = Math.max(0, batchStart - dueAt());
      if (!oneTimeline && lateMs > MAX_LATE_MS) {
        restartTimeline(batchStart, rate);
        lateMs = 0;
      }
      let report: BatchReport | null = null;
      const scope = new CancellationScope();
      batchScope = scope;
      try {
        report = await scope.run(() =>
          sender.sendBroadcastBatch({
            tenantId,
            broadcastId,
            limit: rate < input.ratePerSecond ? Math.min(batchSize(rate), Math.max(1, Math.ceil((rate * RECOVERY_BATCH_MS) / 1000))) : batchSize(rate),
            ratePerSecond: rate,
            recheckAfterSeq: Math.max(0, maxSeq - Math.ceil(input.ratePerSecond * RECHECK_SECONDS)),
            lateMs,
          }),
        );
      } catch (err) {
        // A batch cut short by a pause or a cancel has settled what it sent; the loop takes it from there.
        if (isCancellation(err) && (paused || cancelled) && !isWorkflowCancelled()) report = null;
        else if (isCancellation(err)) throw err;
        else return await finish('failed', `Sending stopped: ${failureReason(err)}`);
      } finally {
        batchScope = null;
      }
      batches += 1;
      batchesThisRun += 1;

      if (report) {
        processed += report.processed;
        maxSeq = Math.max(maxSeq, report.maxSeq);
        if (report.fatal) return await finish('failed', report.fatal);
        if (report.blocked) {
          paused = { by: 'billing', message: report.blocked.message };
          continue;
        }
        // The next batch is due once this one's messages have had their share of the timeline.
        timeline = { ...timeline, index: timeline.index + report.calls };
        if (report.done) return await finish('completed');
        if (report.throttled) {
          const slowDown = report.throttled.code !== 'settling';
          throttleStreak = slowDown ? throttleStreak + 1 : throttleStreak;
          // Twilio's Retry-After at least; our own backoff doubles per throttled batch in a row.
          const retryAfterMs = report.throttled.retryAfterMs;
          const backoff = Math.max(retryAfterMs, Math.min(MAX_BACKOFF_MS, retryAfterMs * 2 ** Math.max(0, throttleStreak - 1)));
          if (slowDown) {
            effectiveRate = Math.max(input.ratePerSecond * MIN_RATE_SHARE, effectiveRate * SLOW_DOWN);
            lastThrottleCode = report.throttled.code;
            throttles += 1;
            phase = 'throttled';
          }
          throttledUntil = Date.now() + backoff;
          // Backing off is on purpose: the line starts again after it, at the new rate.
          restartTimeline(Math.max(dueAt(), throttledUntil), effectiveRate);
        } else {
          throttleStreak = 0;
          effectiveRate = Math.min(input.ratePerSecond, effectiveRate * 1.25);
          // Nothing was sent (all skipped): no time was used, but never spin.
          if (report.calls === 0 && report.processed === 0) restartTimeline(Math.max(dueAt(), Date.now() + MIN_BATCH_MS), effectiveRate);
        }
      }

      if (workflowInfo().continueAsNewSuggested || batchesThisRun >= MAX_BATCHES_PER_RUN) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof broadcastWorkflow>({
          ...input,
          carried: {
            started,
            total,
            paused,
            cancelled,
            effectiveRate,
            throttleStreak,
            throttles,
            nextBatchAt: dueAt(),
            timeline,
            startedAt,
            runsBefore: (carried?.runsBefore ?? 0) + 1,
            batches,
            processed,
            maxSeq,
          },
        });
      }
    }
  } catch (err) {
    // Cancelling the run itself (Temporal UI) is a cancel too: the broadcast is recorded as cancelled.
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => store.finishBroadcast({ tenantId, broadcastId, outcome: 'cancelled', reason: 'The broadcast’s workflow was cancelled.' }));
    }
    throw err;
  }
}

/** The approved WhatsApp templates (started by the API and awaited: the compose form is waiting). */
export async function broadcastTemplatesWorkflow(input: { tenantId: string }): Promise<TemplateList> {
  return contentApi.listApprovedTemplates(input);
}

/** Recipients per batch: 40 ms of sending per msg/s (1 to 20 s), or ten messages' worth at slow rates (at most 10 s). */
export function batchSize(ratePerSecond: number): number {
  const ms =
    ratePerSecond >= SLOW_RATE
      ? Math.min(MAX_FAST_BATCH_MS, Math.max(MIN_BATCH_MS, ratePerSecond * MS_PER_RATE))
      : Math.min(MAX_SLOW_BATCH_MS, Math.max(MIN_BATCH_MS, (MESSAGES_PER_SLOW_BATCH * 1000) / ratePerSecond));
  return Math.max(1, Math.floor((ratePerSecond * ms) / 1000));
}

function isFinished(phase: BroadcastPhase): boolean {
  return phase === 'completed' || phase === 'cancelled' || phase === 'failed';
}

function isWorkflowCancelled(): boolean {
  return CancellationScope.current().consideredCancelled;
}
