// One fault-suite run: stack → shop → traffic with faults on a schedule → drain → invariants → report.
// Shared by `npm run chaos` (main.ts) and test/chaos/nothing-lost-nothing-doubled.test.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { faultSchedule, runFaults, type FaultEvent, type FaultPlan } from './faults.js';
import { busyWorkflows, checkMessages, checkWorkflows, isIdle, loadEvidence, orphanedUnsent, pendingWork, type Evidence, type MessageCounts, type PendingWork, type Violation, type WorkflowHealth } from './invariants.js';
import { withDeadline, type UnexpectedExit } from './processes.js';
import { connectShop } from './shop.js';
import { loadTurns } from './turns.js';
import { startChaosStack, type ChaosStack, type WebhookRetryPolicy } from './stack.js';
import { planTraffic, runTraffic, type DeliveryOutcome } from './traffic.js';

export interface ChaosOptions {
  customers: number;
  messagesPerCustomer: number;
  duplicateRate: number;
  reorderRate: number;
  seed: number;
  /** Span over which the customers write; the faults happen within it. */
  trafficMs: number;
  faults: FaultPlan;
  /** Overall bound for the drain after the traffic and the faults. */
  drainTimeoutMs: number;
  /**
   * The stand-in's webhook retry policy: long enough to outlive every fault (a webhook the API answers
   * with 5xx while Postgres is down must still get in), see bench/README.md "Fault suite".
   */
  webhookRetry?: WebhookRetryPolicy;
  workflowBundlePath?: string;
  replyQuietPeriodMs?: number;
  extraEnv?: Record<string, string>;
  /** Print progress every this many ms during traffic and drain. */
  progressEveryMs?: number;
  /** Aborts the run (Ctrl-C): traffic stops, the stack is closed, the result says so. */
  signal?: AbortSignal;
  /** Keep the temp dir (logs, data): always, never, or only when an invariant broke (default). */
  keepDir?: 'always' | 'never' | 'on-failure';
  log?: (line: string) => void;
}

export interface ChaosResult {
  ok: boolean;
  counts: MessageCounts | null;
  workflows: WorkflowHealth | null;
  violations: Violation[];
  warnings: string[];
  drainMs: number | null;
  faults: FaultEvent[];
  unexpectedExits: UnexpectedExit[];
  dir: string;
  kept: boolean;
  report: string;
}

export const DEFAULT_WEBHOOK_RETRY: WebhookRetryPolicy = { maxAttempts: 10, timeoutMs: 15_000, backoffMs: 500 };

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const runStarted = Date.now();
  let trafficStarted: number | null = null;
  const clock = () => Date.now() - (trafficStarted ?? runStarted);
  const print = options.log ?? ((line: string) => console.log(line));
  const log = (line: string) => print(`[${trafficStarted === null ? 'setup' : `+${(clock() / 1000).toFixed(1)}s`}] ${line}`);
  const dir = await mkdtemp(path.join(tmpdir(), 'wara-chaos-'));
  const webhookRetry = options.webhookRetry ?? DEFAULT_WEBHOOK_RETRY;
  // Assigned inside run() below; the casts keep TypeScript from narrowing them to null out here.
  let stack = null as ChaosStack | null;
  let pool = null as pg.Pool | null;
  const violations: Violation[] = [];
  const warnings: string[] = [];
  let counts: MessageCounts | null = null;
  let workflows: WorkflowHealth | null = null;
  let drainMs: number | null = null;
  let faults: FaultEvent[] = [];
  let ok = false;
  let kept: boolean;
  let stopTraffic = () => {};

  // The run itself; a SIGINT/SIGTERM (options.signal) abandons it at once and goes straight to the cleanup.
  const run = async (): Promise<void> => {
    log(`stack in ${dir}`);
    stack = await startChaosStack({
      dir,
      webhookRetry,
      clock,
      log,
      ...(options.workflowBundlePath ? { workflowBundlePath: options.workflowBundlePath } : {}),
      ...(options.replyQuietPeriodMs === undefined ? {} : { replyQuietPeriodMs: options.replyQuietPeriodMs }),
      ...(options.extraEnv ? { extraEnv: options.extraEnv } : {}),
    });
    const shop = await connectShop(stack);
    pool = new pg.Pool({ connectionString: stack.databaseUrl, max: 3, idleTimeoutMillis: 5_000 });
    // Postgres restarts under this pool on purpose: a dropped idle connection is not an error of the run.
    pool.on('error', () => undefined);

    const plan = planTraffic({
      customers: options.customers,
      messagesPerCustomer: options.messagesPerCustomer,
      duplicateRate: options.duplicateRate,
      reorderRate: options.reorderRate,
      durationMs: options.trafficMs,
      seed: options.seed,
    });
    const schedule = faultSchedule(options.faults, options.trafficMs, options.seed);
    log(
      `shop ${shop.phone} connected; ${plan.length} messages from ${options.customers} customers over ${(options.trafficMs / 1000).toFixed(0)} s, ` +
        `${plan.filter((m) => m.duplicates > 0).length} delivered more than once, ${plan.filter((m) => m.reordered).length} out of order; ` +
        `webhook retry ${webhookRetry.maxAttempts} attempts, ${webhookRetry.backoffMs} ms backoff doubling, ${webhookRetry.timeoutMs / 1000} s timeout, Fallback URL = inbound URL; ` +
        `${schedule.length ? `faults at ${schedule.map((f) => `${f.kind} +${(f.atMs / 1000).toFixed(1)}s`).join(', ')}` : 'no faults'} (seed ${options.seed})`,
    );

    const liveStack = stack;
    const livePool = pool;
    let outcomes: DeliveryOutcome[] | null = null;
    let busy: string[] = [];
    const snapshot = async (): Promise<{ evidence: Evidence; pending: PendingWork } | null> => {
      try {
        const evidence = await loadEvidence(livePool, liveStack.twilio, shop);
        return { evidence, pending: pendingWork(plan, evidence, liveStack.twilio) };
      } catch {
        return null; // Postgres is down right now
      }
    };
    const describe = (p: PendingWork | null | undefined) =>
      p
        ? `not stored ${p.notStored} · hand-offs ${p.handoffs} · replies unsent ${p.unsentReplies} · stand-in busy ${p.twilioBusy} · shown unanswered ${p.unsettledInbound}`
        : 'database unavailable';

    trafficStarted = Date.now();
    const traffic = runTraffic(plan, { twilioUrl: liveStack.twilio.url, shopPhone: shop.phone }, clock);
    stopTraffic = traffic.stop;
    void traffic.done.then((o) => (outcomes = o));
    const ticker = setInterval(() => {
      void snapshot().then((snap) => {
        const s = traffic.stats();
        log(`posted ${s.posted}/${plan.length} · deliveries settled ${s.settled} · ${describe(snap?.pending)}${busy.length ? ` · workflows busy ${busy.length}` : ''}`);
      });
    }, options.progressEveryMs ?? 5_000);
    try {
      faults = await runFaults(schedule, liveStack, clock, log);
      await traffic.posted;
      const drainStarted = clock();
      log(`traffic posted and faults done; draining (deadline ${(options.drainTimeoutMs / 1000).toFixed(0)} s)`);
      // Idle = nothing queued outside the workflows (hand-offs, unsent replies, the stand-in's deliveries and
      // status callbacks), then every workflow has nothing pending and no reply half-drafted.
      let last: PendingWork | null = null;
      let drained = false;
      let orphanNoted = false;
      for (;;) {
        const snap = await snapshot();
        last = snap?.pending ?? null;
        if (snap && last && !isIdle(last) && outcomes && last.handoffs + last.notStored + last.twilioBusy === 0) {
          // Only unsent replies left: the ones drafted for a turn the workflow recorded differently never go.
          const orphans = await orphanedUnsent(await liveStack.temporal(), snap.evidence).catch(() => []);
          if (orphans.length > 0 && orphans.length === last.unsentReplies) {
            if (!orphanNoted) log(`not waiting for ${orphans.length} reply row(s) drafted for a turn the workflow never recorded: ${orphans.join(', ')}`);
            orphanNoted = true;
            last = { ...last, unsentReplies: 0 };
          }
        }
        if (snap && last && isIdle(last) && outcomes) {
          busy = await busyWorkflows(await liveStack.temporal(), snap.evidence).catch((err: unknown) => [`query failed: ${(err as Error).message}`]);
          if (busy.length === 0) {
            const again = await snapshot();
            // Still idle, with no new reply row and no unsent reply beyond the orphans already seen.
            const still = again && again.evidence.outbound.length === snap.evidence.outbound.length && again.pending.unsentReplies <= snap.pending.unsentReplies;
            if (still && isIdle({ ...again.pending, unsentReplies: 0 })) {
              drained = true;
              break;
            }
          }
        }
        if (clock() - drainStarted > options.drainTimeoutMs) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      if (drained) {
        drainMs = clock() - drainStarted;
        log(`drained in ${(drainMs / 1000).toFixed(1)} s`);
      } else {
        const what = `${describe(last)}${busy.length ? ` · workflows busy: ${busy.slice(0, 5).join('; ')}` : ''}`;
        violations.push({ invariant: 'everything drains before the deadline', detail: `after ${(options.drainTimeoutMs / 1000).toFixed(0)} s: ${what}` });
        log(`NOT drained after ${(options.drainTimeoutMs / 1000).toFixed(0)} s: ${what}`);
      }
    } finally {
      clearInterval(ticker);
    }

    const evidence = await loadEvidence(livePool, liveStack.twilio, shop);
    const allOutcomes = outcomes ?? (await withDeadline(traffic.done, 10_000, 'the last webhook deliveries').catch(() => [] as DeliveryOutcome[]));
    log("reading every conversation workflow's history (which messages each reply answered)");
    const replyToOf = new Map(evidence.outbound.filter((r) => r.source === 'ai' && r.reply_to_message_sid).map((r) => [r.id, r.reply_to_message_sid!]));
    const workflowIds = evidence.conversations.flatMap((c) => (c.workflow_id ? [{ conversationId: c.id, workflowId: c.workflow_id }] : []));
    const turns = await loadTurns(await liveStack.temporal(), workflowIds, replyToOf);
    const checked = checkMessages(plan, allOutcomes, evidence, turns);
    counts = checked.counts;
    violations.push(...checked.violations);
    log('checking every conversation workflow (describe + state query)');
    workflows = await checkWorkflows(await liveStack.temporal(), evidence);
    violations.push(...workflows.violations);

    for (const exit of liveStack.unexpectedExits) {
      const what = `${exit.name} pid ${exit.pid} exited on its own at +${(exit.at / 1000).toFixed(1)}s (${exit.signal ?? `code ${exit.code}`}): ${exit.lastLines.at(-1) ?? ''}`;
      if (exit.name === 'api') violations.push({ invariant: 'the API lives through every fault without a restart', detail: what });
      else warnings.push(`${what} (restarted by the suite's supervisor, as a process manager would)`);
    }
    ok = violations.length === 0;
  };
  const aborted = new Promise<never>((_, reject) => {
    const abort = () => reject(new Error('aborted (signal)'));
    if (options.signal?.aborted) abort();
    options.signal?.addEventListener('abort', abort, { once: true });
  });
  const running = run();
  running.catch(() => undefined); // after an abort it fails against the closed stack; nobody waits for it
  try {
    await Promise.race([running, aborted]);
  } catch (err) {
    violations.push({ invariant: 'the suite ran to the end', detail: options.signal?.aborted ? 'interrupted by a signal' : ((err as Error).stack ?? String(err)) });
  } finally {
    stopTraffic();
    await pool?.end().catch(() => undefined);
    await stack?.close();
    kept = options.keepDir === 'always' || (options.keepDir !== 'never' && !ok);
    if (!kept) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }

  const report = formatReport({ counts, workflows, drainMs, faults, violations, warnings, dir, kept, totalMs: Date.now() - runStarted });
  return { ok, counts, workflows, violations, warnings, drainMs, faults, unexpectedExits: stack?.unexpectedExits ?? [], dir, kept, report };
}

function formatReport(r: {
  counts: MessageCounts | null;
  workflows: WorkflowHealth | null;
  drainMs: number | null;
  faults: FaultEvent[];
  violations: Violation[];
  warnings: string[];
  dir: string;
  kept: boolean;
  totalMs: number;
}): string {
  const lines: string[] = [];
  const row = (label: string, value: string | number, note = '') => lines.push(`  ${label.padEnd(30)} ${String(value).padStart(9)}${note ? `   ${note}` : ''}`);
  const c = r.counts;
  lines.push('', 'Fault suite: nothing lost, nothing doubled', '');
  if (c) {
    row('inbound sent', c.inboundSent, `${c.deliveries} webhook deliveries: ${c.duplicateDeliveries} duplicates, ${c.reorderedMessages} messages out of order`);
    const firsts = Object.entries(c.firstFailures).map(([why, n]) => `${n}× ${why}`).join(', ');
    row('  webhooks retried', c.retriedDeliveries, c.retriedDeliveries ? `first answer ${firsts}; accepted at most ${(c.longestRetryMs / 1000).toFixed(1)} s after the first attempt; ${c.fallbackDeliveries} via the Fallback URL` : '');
    row('  stored (by MessageSid)', c.stored, c.stored === c.inboundSent ? 'each exactly once' : 'MISSING SOME');
    row('  answered directly', c.answeredDirectly, 'the reply keyed by its sid');
    row('  answered in a burst', c.answeredInBurst, 'answered with a later message of its burst');
    row('  with a recorded reason', c.recordedReason);
    row('  unanswered', c.unanswered, c.answeredLater ? `${c.answeredLater} of them answered in a later turn (workflow history), but the thread shows no reply and no reason` : '');
    row('turns (workflow history)', c.turns, `${c.untaken} stored messages in no turn`);
    row('  drafts of unrecorded turns', c.orphanDrafts, c.orphanDrafts ? `${c.answeredTwice} of them sent as well: messages answered twice` : 'a reply drafted in a workflow task that never completed');
    row('replies intended', c.repliesIntended, `${c.fallbackAnswers} fallback answers`);
    row('  sent (provider sid recorded)', c.repliesSent, c.repliesNotSent ? `${c.repliesNotSent} NOT SENT` : '');
    row('  sent at the stand-in', c.sentAtTwilio);
    row('  duplicates', c.duplicates);
    if (c.replyLatencyMs) {
      const sec = (ms: number) => (ms / 1000).toFixed(1);
      row('reply latency p50 / p99 / max', `${sec(c.replyLatencyMs.p50)} / ${sec(c.replyLatencyMs.p99)} / ${sec(c.replyLatencyMs.max)} s`, "turn's last message stored → reply at the stand-in");
    }
  }
  if (r.workflows) row('workflows healthy', `${r.workflows.healthy}/${r.workflows.total}`, 'RUNNING, state query answers, nothing pending');
  row('drain time', r.drainMs === null ? 'not drained' : `${(r.drainMs / 1000).toFixed(1)} s`, 'from the end of traffic + faults to idle');
  row('whole run', `${(r.totalMs / 1000).toFixed(0)} s`);
  if (r.faults.length) {
    lines.push('', 'Faults:');
    for (const f of r.faults) lines.push(`  +${(f.startedAt / 1000).toFixed(1)}s  ${f.kind.padEnd(17)} ${f.detail}`);
  }
  for (const w of r.warnings) lines.push('', `warning: ${w}`);
  if (r.violations.length === 0) {
    lines.push('', 'All invariants hold.');
  } else {
    lines.push('', `${r.violations.length} VIOLATIONS:`);
    const byInvariant = new Map<string, string[]>();
    for (const v of r.violations) byInvariant.set(v.invariant, [...(byInvariant.get(v.invariant) ?? []), v.detail]);
    for (const [invariant, details] of byInvariant) {
      lines.push(`  ✗ ${invariant} (${details.length})`);
      for (const d of details.slice(0, 25)) lines.push(`      ${d}`);
      if (details.length > 25) lines.push(`      … and ${details.length - 25} more`);
    }
  }
  if (r.kept) lines.push('', `logs and data kept in ${r.dir} (api.log, worker.log, temporal.log, postgres.log)`);
  return lines.join('\n');
}
