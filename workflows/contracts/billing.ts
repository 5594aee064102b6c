// Billing's workflows: one long-lived `billing:{tenant}` per merchant (the single owner of "may this tenant
// get AI replies": trial, subscription, dunning, period rollover, limit notice), a short one per Checkout or
// portal click, and the scheduled usage report. The API signals and queries through api/workflows/billing.ts.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { BillingPhase, BillingSnapshot, PausedReason } from '../../lib/billing/plans.js';

export const billingWorkflowType = 'billingWorkflow';
export const billingSessionWorkflowType = 'billingSessionWorkflow';
export const usageReportWorkflowType = 'usageReportWorkflow';

export type BillingWorkflow = (input: BillingInput) => Promise<void>;
export type BillingSessionWorkflow = (input: BillingSessionInput) => Promise<{ url: string }>;
export type UsageReportWorkflow = (input: UsageReportInput) => Promise<UsageReportResult>;

export interface BillingInput {
  tenantId: string;
  ownerEmail: string;
  /** ISO instant the sign-up trial ends (tenants.trial_ends_at); null for an account without one. */
  trialEndsAt: string | null;
  /** The dashboard's billing page, for the links in emails. */
  billingUrl: string;
  /** BILLING_GRACE_DAYS when the run started (carried across continue-as-new). */
  graceDays: number;
  /** State handed over by continue-as-new; absent on a first start. */
  carried?: BillingState;
}

export type { BillingPhase } from '../../lib/billing/plans.js';

export interface BillingState {
  phase: BillingPhase;
  /** tenants.plan as the last change left it. */
  plan: string;
  customerId: string | null;
  trialEndsAt: string | null;
  /** Trial reminders sent, in days before the end (3, 1). */
  remindersSent: number[];
  subscription: BillingSnapshot['subscription'];
  graceEndsAt: string | null;
  pausedReason: PausedReason | null;
  /** Limit notices sent, as `<period start>|<limit>` (the last few): the merchant is told once per period and limit. */
  limitNotices: string[];
  /**
   * Creating the Stripe customer failed: the next try (a durable timer) and how many tries failed so far.
   * Null once it exists; absent in state carried from runs older than the retry.
   */
  customerRetry?: { at: string; attempt: number } | null;
  /** Stripe events heard, and the most recent ids (signals are not deduplicated by the server). */
  eventsHeard: number;
  recentEventIds: string[];
  /** `eventsHeard` when the last successful sync started: equal to it once every event heard has been read. */
  syncedThroughEvent: number;
  /** The legacy `trial:{tenant}` run (accounts from before this workflow) was told of the subscription. */
  legacyTrialTold: boolean;
  lastSyncedAt: string | null;
}

/** A Stripe event for this tenant was stored: re-read the subscription from Stripe (the event is only a nudge). */
export const stripeEventReceived = defineSignal<[{ eventId: string; type: string }]>('stripeEventReceived');
/** The reply gate refused a reply for the limit (first time this period): tell the merchant. */
export const replyLimitReached = defineSignal<[{ periodStart: string; limit: number | null }]>('replyLimitReached');
/** Re-read Stripe now (the merchant is back from Checkout or the portal; a webhook may lag behind them). */
export const syncNow = defineSignal<[]>('syncNow');
export const billingState = defineQuery<BillingState>('billingState');

/** What the merchant asked for: a Checkout session for a plan, or the customer portal. */
export type BillingSessionRequest = { tenantId: string } & (
  | { kind: 'checkout'; planCode: string; successUrl: string; cancelUrl: string }
  | { kind: 'portal'; returnUrl: string }
);
/** The request, keyed by the click (a Stripe idempotency key is made of it). */
export type BillingSessionInput = BillingSessionRequest & { requestId: string };

export interface UsageReportInput {
  /** Replies reported per activity call. */
  batchSize?: number;
}

export interface UsageReportResult {
  reported: number;
  duplicates: number;
  dropped: number;
  failed: number;
}
