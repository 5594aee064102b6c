import {
  ActivityCancellationType,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
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
  type PauseReason,
  type TemplateList,
} from './contracts/broadcast.js';
import { failureReason } from './failure-reason.js';

/** A run's history stays bounded: after this many batches (~11 events each) it continues as new. */
const MAX_BATCHES_PER_RUN = 250;
/**
 * A batch is about a second of sending (three at 100 msg/s and more, so the few ms between two batches stay a
 * small share of the time); at slow rates up to ten seconds, so it still holds several messages.
 */
const MIN_BATCH_MS = 1_000;
const FAST_BATCH_MS = 3_000;
const FAST_RATE = 100;
const MAX_BATCH_MS = 10_000;
const MESSAGES_PER_SLOW_BATCH = 10;
/** A batch later than this against the timeline (a stall) starts a new timeline instead of catching up. */
const MAX_LATE_MS = 2_000;
/** WhatsApp reports 63018 (over the sender's rate) after the send: sends this many seconds back are re-checked. */
const RECHECK_SECONDS = 30;
/** Twilio's "slow down": the wait doubles per throttled batch in a row, up to this. */
const MAX_BACKOFF_MS = 60_000;
/** After a throttle the rate drops by a tenth, never below this share of the configured rate, and recovers 25% per clean batch. */
const SLOW_DOWN = 0.9;
const MIN_RATE_SHARE = 0.1;

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
  let nextBatchAt = carried?.nextBatchAt ?? 0;
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
    scheduledAt: input.scheduledAt,
    startedAt,
    batches,
    run: (carried?.runsBefore ?? 0) + 1,
    failure,
    updatedAt: new Date().toISOString(),
  }));

  const finish = async (outcome: BroadcastOutcome['status'], reason: string | null = null): Promise<BroadcastOutcome> => {
    // The last batch's messages take their share of time too: N recipients at R/s take N/R seconds.
    if (outcome === 'completed' && nextBatchAt > Date.now()) await condition(() => cancelled, nextBatchAt - Date.now());
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
    nextBatchAt = Math.max(nextBatchAt, Date.now());
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
      nextBatchAt = Date.now();
    }

    for (;;) {
      if (cancelled) return await finish('cancelled');
      if (paused) {
        await waitWhilePaused();
        continue;
      }
      const wait = nextBatchAt - Date.now();
      if (wait > 0 && (await condition(() => paused !== null || cancelled, wait))) continue;
      phase = 'sending';
      throttledUntil = null;

      const rate = effectiveRate;
      const batchStart = Date.now();
      // The broadcast's timeline: this batch was due at nextBatchAt; its first sends make up for a late start.
      const lateMs = Math.max(0, batchStart - nextBatchAt);
      const due = lateMs > MAX_LATE_MS ? batchStart : nextBatchAt;
      let report: BatchReport | null = null;
      const scope = new CancellationScope();
      batchScope = scope;
      try {
        report = await scope.run(() =>
          sender.sendBroadcastBatch({
            tenantId,
            broadcastId,
            limit: batchSize(rate),
            ratePerSecond: rate,
            recheckAfterSeq: Math.max(0, maxSeq - Math.ceil(input.ratePerSecond * RECHECK_SECONDS)),
            lateMs: batchStart - due,
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
        // The next batch is due once this one's messages have had their share of the time.
        nextBatchAt = due + (report.calls * 1000) / rate;
        if (report.done) return await finish('completed');
        if (report.throttled) {
          const slowDown = report.throttled.code !== 'settling';
          throttleStreak = slowDown ? throttleStreak + 1 : throttleStreak;
          const backoff = Math.min(MAX_BACKOFF_MS, report.throttled.retryAfterMs * 2 ** Math.max(0, throttleStreak - 1));
          if (slowDown) {
            effectiveRate = Math.max(input.ratePerSecond * MIN_RATE_SHARE, effectiveRate * SLOW_DOWN);
            lastThrottleCode = report.throttled.code;
            phase = 'throttled';
          }
          throttledUntil = Date.now() + backoff;
          nextBatchAt = Math.max(nextBatchAt, throttledUntil);
        } else {
          throttleStreak = 0;
          effectiveRate = Math.min(input.ratePerSecond, effectiveRate * 1.25);
          // Nothing was sent (all skipped): no time was used, but never spin.
          if (report.calls === 0 && report.processed === 0) nextBatchAt = Math.max(nextBatchAt, Date.now() + MIN_BATCH_MS);
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
            nextBatchAt,
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

/** Recipients per batch: a second of sending (three at fast rates), or ten messages' worth at slow rates (at most ten s). */
export function batchSize(ratePerSecond: number): number {
  const ms = ratePerSecond >= FAST_RATE ? FAST_BATCH_MS : Math.min(MAX_BATCH_MS, Math.max(MIN_BATCH_MS, (MESSAGES_PER_SLOW_BATCH * 1000) / ratePerSecond));
  return Math.max(1, Math.floor((ratePerSecond * ms) / 1000));
}

function isFinished(phase: BroadcastPhase): boolean {
  return phase === 'completed' || phase === 'cancelled' || phase === 'failed';
}

function isWorkflowCancelled(): boolean {
  return CancellationScope.current().consideredCancelled;
}
