// The broadcast workflow's contract (`broadcast:{tenant}:{broadcast}`): its input, the pause / resume /
// cancel signals and the progress query, shared by the workflow, the API and the tests. Pure.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Channel } from '../../lib/conversations/addresses.js';

export const broadcastWorkflowType = 'broadcastWorkflow';
export type BroadcastWorkflow = (input: BroadcastInput) => Promise<BroadcastOutcome>;
export const broadcastTemplatesWorkflowType = 'broadcastTemplatesWorkflow';
export type BroadcastTemplatesWorkflow = (input: { tenantId: string }) => Promise<TemplateList>;

/**
 * Broadcasts run on a task queue of their own (the main queue's name + this suffix), polled by a worker of
 * their own in the same process: a 100,000-recipient send's batches never hold the activity slots or sit in
 * the task backlog that customers' replies need (README "Broadcasts on their own task queue").
 */
export const BROADCAST_QUEUE_SUFFIX = '-broadcasts';
export const broadcastTaskQueue = (mainQueue: string): string => `${mainQueue}${BROADCAST_QUEUE_SUFFIX}`;

export interface BroadcastInput {
  tenantId: string;
  broadcastId: string;
  channel: Channel;
  /** Messages per second to hold: per sender (WhatsApp 80, SMS long code 1) times the senders. */
  ratePerSecond: number;
  /** ISO time to start sending; null = now. */
  scheduledAt: string | null;
  /** Carried across continue-as-new; absent in the first run. */
  carried?: BroadcastCarried;
}

export interface BroadcastCarried {
  /** The audience is frozen (recipient rows written) and the start was recorded. */
  started: boolean;
  total: number;
  paused: PauseReason | null;
  cancelled: boolean;
  /** The rate after backoff (0 < effective ≤ configured). */
  effectiveRate: number;
  /** Consecutive throttled batches: the backoff's exponent. */
  throttleStreak: number;
  /** Batches Twilio slowed down (429 / 20429 / 63018), over the whole broadcast (absent before it was counted). */
  throttles?: number;
  /** Workflow time the next batch may start (it follows from the messages already sent and the rate). */
  nextBatchAt: number;
  /** The broadcast's one timeline (absent in runs carried from before it: they start one at nextBatchAt). */
  timeline?: BroadcastTimeline;
  startedAt: string | null;
  /** Runs before this one (continue-as-new keeps each run's history bounded). */
  runsBefore: number;
  batches: number;
  /** Recipients handed to batches so far. */
  processed: number;
  /** The highest recipient seq handled: 63018 failures are re-checked in the seconds of sends before it. */
  maxSeq: number;
}

/**
 * The broadcast's pace, one line for all its batches and runs: send `index` (counted from the origin) is due at
 * originMs + index / ratePerSecond seconds, in workflow time. It restarts only after a pause, a throttle's
 * backoff or a rate change; time lost anywhere else is won back by later sends (at most 10% over the rate).
 */
export interface BroadcastTimeline {
  originMs: number;
  index: number;
  ratePerSecond: number;
}

export interface PauseReason {
  by: 'merchant' | 'billing';
  /** Words for the merchant (why billing stopped it). */
  message: string | null;
}

export const pauseBroadcast = defineSignal<[{ by: string }]>('pauseBroadcast');
export const resumeBroadcast = defineSignal<[{ by: string }]>('resumeBroadcast');
export const cancelBroadcast = defineSignal<[{ by: string }]>('cancelBroadcast');
export const broadcastProgress = defineQuery<BroadcastProgress>('progress');

export const BROADCAST_PHASES = ['scheduled', 'starting', 'sending', 'throttled', 'paused', 'completed', 'cancelled', 'failed'] as const;
export type BroadcastPhase = (typeof BROADCAST_PHASES)[number];

/** What the workflow knows (the counts of sent / delivered / failed are the database's: see the API). */
export interface BroadcastProgress {
  phase: BroadcastPhase;
  total: number;
  /** Recipients handed to a batch so far (sent, failed or skipped). */
  processed: number;
  ratePerSecond: number;
  effectiveRate: number;
  paused: PauseReason | null;
  /** While throttled: when sending resumes (ISO). */
  throttledUntil: string | null;
  /** The last Twilio code that slowed the broadcast down (429, 20429, 63018). */
  lastThrottleCode: string | null;
  /** How many batches Twilio slowed down, over the whole broadcast. */
  throttles: number;
  scheduledAt: string | null;
  startedAt: string | null;
  batches: number;
  run: number;
  failure: string | null;
  updatedAt: string;
}

export interface BroadcastOutcome {
  status: 'completed' | 'cancelled' | 'failed';
  total: number;
  reason: string | null;
}

/** One batch's report: what happened to its recipients, and whether Twilio asked us to slow down. */
export interface BatchResult {
  processed: number;
  /** Twilio create calls made (what the rate spaces; skipped recipients cost none). */
  calls: number;
  sent: number;
  failed: number;
  skipped: number;
  /** No recipient is pending, and none is waiting for an uncertain send to settle. */
  done: boolean;
  /** Twilio refused with 429 / 20429 (or failed messages with 63018): wait at least this long (Twilio's Retry-After). */
  throttled: { retryAfterMs: number; code: string } | null;
  /** The billing gate is closed: the broadcast pauses with this reason. */
  blocked: { reason: string; message: string } | null;
  /** Sending cannot go on (credentials refused, connection gone): the broadcast fails with this reason. */
  fatal: string | null;
}

export interface StartResult {
  total: number;
  blocked: { reason: string; message: string } | null;
  /** Not sendable at all (no connection, no number): the broadcast fails with this reason. */
  fatal: string | null;
}

/** An approved WhatsApp template the compose form offers. */
export interface BroadcastTemplate {
  contentSid: string;
  friendlyName: string;
  language: string;
  body: string;
  /** Placeholder numbers in the body, e.g. ["1", "2"]. */
  placeholders: string[];
  approval: string;
}

export interface TemplateList {
  templates: BroadcastTemplate[];
}
