// A broadcast keeps one timeline: time a batch loses (a stalled machine, a slow write, the round trip between
// batches) is won back by later sends and later batches, never faster than 10% over the rate in any second.
// First the pacer on a virtual clock (exact), then the workflow with the real activities, database and Twilio
// stand-in on Temporal's time-skipping server, where the process is frozen for 2.5 s mid-batch (what a
// starved worker looks like): the next batches are told how far behind they start and win it back.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroadcastActivities } from '../../activities/broadcasts.js';
import { createTwilioBroadcastActivities, type BatchReport } from '../../activities/twilio-broadcasts.js';
import { CATCH_UP, maxPerSecond, SendPacer } from '../../lib/broadcasts/pacing.js';
import { workflowIds } from '../../lib/temporal/names.js';
import { createTwilioClient } from '../../lib/twilio/client.js';
import { batchSize, broadcastWorkflow } from '../../workflows/broadcast.js';
import { createTimeSkippingEnv, runTestWorker } from '../support/temporal.js';
import { sentPerRecipient, startBroadcastHarness, type BroadcastHarness } from './harness.js';

/**
 * Runs `n` sends through a pacer on a virtual clock, as the activity does: batches of `batch` sends, each told
 * how far behind the broadcast's timeline it starts (the workflow's figure), `gapMs` between batches, every
 * wake-up `jitterMs` late (a busy machine), and the clock frozen `stall.ms` once send `stall.at` is due.
 */
function simulate(opts: { rate: number; n: number; batch: number; gapMs?: number; jitterMs?: number; stall?: { at: number; ms: number } }) {
  const { rate, n, batch, gapMs = 0, jitterMs = 0, stall } = opts;
  const pacer = new SendPacer(rate);
  const interval = 1000 / rate;
  const times: number[] = [];
  const batchEnds: Array<{ startBehind: number; endBehind: number }> = [];
  let t = 0;
  let wake = 0;
  for (let done = 0; done < n; ) {
    const behindAtStart = Math.max(0, t - done * interval); // the workflow: origin 0, `done` sends on the line
    pacer.startBatch(t, behindAtStart);
    const size = Math.min(batch, n - done);
    for (let j = 0; j < size; j++) {
      for (let wait = pacer.delay(t); wait > 0; wait = pacer.delay(t)) t += wait + (jitterMs * ((wake++ * 7919) % 100)) / 100;
      if (stall && done + j === stall.at) t += stall.ms;
      pacer.sent(t);
      times.push(t);
    }
    done += size;
    batchEnds.push({ startBehind: behindAtStart, endBehind: times.at(-1)! - (done - 1) * interval });
    t += gapMs;
  }
  const lag = (k: number) => times[k]! - k * interval;
  return { times, lag, batchEnds };
}

describe('the pacer', () => {
  it('on time, sends on the timeline: the k-th at k/rate, never early, never more than the rate in a second', () => {
    const { times, lag } = simulate({ rate: 500, n: 5_000, batch: 10_000 });
    expect(times.every((t, k) => Math.abs(lag(k)) < 1e-6 && t >= 0)).toBe(true);
    expect(maxPerSecond(times)).toBe(500);
  });

  it('wins back a 5 s stall and 150 ms between batches at 10% over the rate, over later batches, and is on its line again', () => {
    const rate = 500;
    const n = 40_000; // four batches of 20 s: each wins back up to ~1.8 s
    const { times, lag, batchEnds } = simulate({ rate, n, batch: batchSize(rate), gapMs: 150, jitterMs: 4, stall: { at: 2_000, ms: 5_000 } });
    expect(batchEnds).toHaveLength(4);
    // Never ahead of the timeline, never over 1.1 × the rate in any sliding second.
    expect(times.every((_, k) => lag(k) >= -1e-6)).toBe(true);
    expect(maxPerSecond(times)).toBeLessThanOrEqual(Math.floor(rate * CATCH_UP));
    // The stall was felt, and the batch after it started over 2 s behind (the old pacing dropped that): carried.
    expect(Math.max(...times.map((_, k) => lag(k)))).toBeGreaterThanOrEqual(4_900);
    expect(batchEnds[1]!.startBehind).toBeGreaterThan(3_000);
    // Each later batch won back what it could: 10,000 sends at 1.1× are ~1.8 s, or all of it.
    for (const b of batchEnds.slice(1)) expect(b.endBehind).toBeLessThanOrEqual(Math.max(0, b.startBehind - 1_750) + 5);
    // So the broadcast is back on its line: N sends at R/s took N/R seconds, not N/R plus the stall and the gaps.
    expect(lag(n - 1)).toBeLessThan(5);
    expect(times.at(-1)! - times[0]!).toBeLessThan(((n - 1) / rate) * 1000 + 5);
  });

  it('after a stall the catch-up is smooth: no second over 1.1× the rate, no tenth of a second over two tenths of that', () => {
    const rate = 80;
    const { times } = simulate({ rate, n: 2_000, batch: batchSize(rate), gapMs: 40, stall: { at: 100, ms: 5_000 } });
    expect(maxPerSecond(times)).toBeLessThanOrEqual(Math.floor(rate * CATCH_UP));
    const tenth = (ts: number[]) => maxPerSecond(ts.map((t) => t * 10)); // windows of 100 ms
    expect(tenth(times)).toBeLessThanOrEqual(2 * Math.ceil((rate * CATCH_UP) / 10));
  });

  it('at a long code’s 1 msg/s, a late broadcast never sends two in a second', () => {
    const { times } = simulate({ rate: 1, n: 30, batch: batchSize(1), gapMs: 30, stall: { at: 5, ms: 10_000 } });
    expect(maxPerSecond(times)).toBe(1);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000 - 1e-6);
  });
});

let env: TestWorkflowEnvironment;
let h: BroadcastHarness;
let worker: { stop(): Promise<void> };
const taskQueue = `broadcasts-catch-up-${randomUUID()}`;
/** When each Twilio create was called (performance.now), and the call that freezes the process. */
const launches: number[] = [];
let freezeAtCall = Infinity;
const FREEZE_MS = 2_500;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  h = await startBroadcastHarness();
  const activities = {
    ...createBroadcastActivities({ prisma: h.prisma }),
    ...createTwilioBroadcastActivities({
      prisma: h.prisma,
      credentials: h.credentials,
      publicUrl: h.publicUrl,
      settleMs: 2_000,
      connect: (c) => {
        const client = createTwilioClient({ ...c, baseUrl: h.fake.url, timeoutMs: 5_000 });
        const messages = client.messages;
        const create = messages.create.bind(messages);
        messages.create = ((params: Parameters<typeof create>[0]) => {
          launches.push(performance.now());
          if (launches.length === freezeAtCall) {
            // The whole process stops (a starved worker): no timer, no answer, no send runs meanwhile.
            const until = performance.now() + FREEZE_MS;
            while (performance.now() < until) {
              /* frozen */
            }
          }
          return create(params);
        }) as typeof messages.create;
        return client;
      },
    }),
  };
  worker = await runTestWorker(env, taskQueue, activities);
});
afterAll(async () => {
  await worker?.stop();
  await h?.close();
  await env?.teardown();
});

describe('a broadcast that fell behind', () => {
  it('is told how far behind by the next batches, which win the time back without going over 1.1× the rate in any second', async () => {
    const RATE = 100;
    const N = 3 * batchSize(RATE); // three batches of 400 (4 s each)
    const shop = await h.connectShop({ label: 'catch-up' });
    const customers = await h.addCustomers(shop, 'whatsapp', N);
    const id = await h.createBroadcast(shop, { channel: 'whatsapp', ratePerSecond: RATE });
    launches.length = 0;
    freezeAtCall = 150; // mid first batch
    const handle = await env.client.workflow.start(broadcastWorkflow, {
      taskQueue,
      workflowId: workflowIds.broadcast(shop.tenantId, id),
      args: [{ tenantId: shop.tenantId, broadcastId: id, channel: 'whatsapp', ratePerSecond: RATE, scheduledAt: null }],
    });
    expect(await handle.result()).toMatchObject({ status: 'completed', total: N });

    // Each batch's own account of its pace, from the history (the activity's results).
    const events = (await handle.fetchHistory()).events ?? [];
    const reports = events
      .map((e) => e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data)
      .filter((d): d is Uint8Array => d instanceof Uint8Array && d.length > 0)
      .map((d) => JSON.parse(Buffer.from(d).toString('utf8')) as Partial<BatchReport>)
      .filter((r): r is BatchReport => r.timing !== undefined);
    expect(reports.map((r) => r.calls)).toEqual([400, 400, 400]);
    const [first, second, third] = reports.map((r) => r.timing!);
    console.log(`  batches (ms): ${reports.map((r, i) => `#${i + 1} behind ${r.timing!.behindAtStartMs}→max ${r.timing!.maxBehindMs}→${r.timing!.behindAtEndMs}, span ${r.timing!.sendSpanMs}, max/s ${r.timing!.maxPerSecond}`).join('; ')}`);

    // The freeze put the first batch ~2.5 s behind; the second was told (the old pacing dropped anything over 2 s).
    expect(first!.maxBehindMs).toBeGreaterThanOrEqual(FREEZE_MS - 300);
    expect(second!.behindAtStartMs).toBeGreaterThanOrEqual(1_500);
    // Later batches won time back: 400 sends at 1.1× win ~360 ms each (less what a busy machine costs meanwhile).
    expect(second!.behindAtEndMs).toBeLessThan(second!.behindAtStartMs - 150);
    expect(third!.behindAtEndMs).toBeLessThan(second!.behindAtStartMs - 300);
    // Bounded: never more than 1.1 × the rate in any sliding second, in a batch or across batches (one send
    // of slack in the latter: the launch times here are taken a few µs after the pacer's).
    for (const t of [first!, second!, third!]) expect(t.maxPerSecond).toBeLessThanOrEqual(Math.floor(RATE * CATCH_UP));
    expect(launches).toHaveLength(N);
    expect(maxPerSecond(launches)).toBeLessThanOrEqual(Math.floor(RATE * CATCH_UP) + 1);
    // The real-time account agrees: behind its line by ~2.5 s after the freeze, less by the last send.
    const lag = (k: number) => launches[k]! - launches[0]! - (k * 1000) / RATE;
    expect(lag(N - 1)).toBeLessThan(lag(399) - 300);

    // Still exactly once, and still N/R seconds of workflow time at least.
    const sent = await sentPerRecipient(h.control, shop.subaccountSid);
    expect([...sent.keys()].sort()).toEqual([...customers].sort());
    expect([...sent.values()].every((m) => m.length === 1)).toBe(true);
    const at = (e: (typeof events)[number]) => Number(e.eventTime!.seconds) * 1000 + (e.eventTime!.nanos ?? 0) / 1e6;
    expect(at(events.at(-1)!) - at(events[0]!)).toBeGreaterThanOrEqual((N / RATE) * 1000);
  });
});
