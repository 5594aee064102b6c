// The trial workflow's contract (`trial:{tenant}`): billing signals a subscription; the dashboard queries.
import { defineQuery, defineSignal } from '@temporalio/workflow';

export const trialWorkflowType = 'trialWorkflow';
export type TrialWorkflow = (input: TrialInput) => Promise<TrialState>;

export interface TrialInput {
  tenantId: string;
  ownerEmail: string;
  /** ISO instant the trial ends; the record in the tenants table is the source of truth. */
  trialEndsAt: string;
  billingUrl: string;
}

export interface TrialState {
  phase: 'trialing' | 'converted' | 'expired';
  endsAt: string;
  remindersSent: number[];
  planCode: string | null;
}

/** Billing signals this when the merchant subscribes: the trial ends early, happily. */
export const subscriptionStarted = defineSignal<[{ planCode: string }]>('subscriptionStarted');
export const trialStateQuery = defineQuery<TrialState>('trialState');
