// The SMS number workflows' contract: buying (or releasing) one number (`sms-number:{tenant}:{number}`), with a
// live step list like the WhatsApp connection's, and searching the numbers on sale
// (`sms-number-search:{tenant}:{request}`, which the API waits for). Pure.
import { defineQuery } from '@temporalio/workflow';

export const smsNumberWorkflowType = 'smsNumberWorkflow';
export type SmsNumberWorkflow = (input: SmsNumberInput) => Promise<SmsNumberStatus>;
export const smsNumberSearchWorkflowType = 'smsNumberSearchWorkflow';
export type SmsNumberSearchWorkflow = (input: NumberSearchInput) => Promise<{ numbers: AvailableNumber[] }>;

export interface SmsNumberInput {
  tenantId: string;
  /** The sms_numbers row this run buys or releases. */
  numberId: string;
  intent: 'buy' | 'release';
}

export interface NumberSearch {
  tenantId: string;
  /** ISO 3166 alpha-2 (US, GB, …). */
  country: string;
  /** Local numbers with this area code (US, CA); mobile numbers are searched where local ones cannot text. */
  areaCode?: string | undefined;
  /** Twilio's pattern: digits, `*` for any digit. */
  contains?: string | undefined;
  limit?: number | undefined;
}

/** The search as the workflow runs it: with the tenant's Twilio account (the API reads it from the database). */
export interface NumberSearchInput extends NumberSearch {
  accountId: string;
  subaccountSid: string;
}

export interface AvailableNumber {
  phoneNumber: string;
  friendlyName: string;
  locality: string | null;
  region: string | null;
  isoCountry: string;
  /** local | mobile | toll_free */
  type: string;
  capabilities: { sms: boolean; mms: boolean; voice: boolean };
}

export const SMS_NUMBER_STEPS = {
  buy: ['buy', 'attach', 'identifiers'],
  release: ['release', 'identifiers'],
} as const;
export type SmsNumberStepId = 'buy' | 'attach' | 'identifiers' | 'release';

export const SMS_STEP_STATES = ['pending', 'running', 'done', 'failed'] as const;

export interface SmsNumberStep {
  id: SmsNumberStepId;
  state: (typeof SMS_STEP_STATES)[number];
  reason: string | null;
  attempts: number;
}

export const SMS_NUMBER_PHASES = ['running', 'done', 'failed'] as const;

export interface SmsNumberStatus {
  intent: 'buy' | 'release';
  phase: (typeof SMS_NUMBER_PHASES)[number];
  phoneNumber: string | null;
  phoneNumberSid: string | null;
  steps: SmsNumberStep[];
  failure: { step: SmsNumberStepId; reason: string } | null;
  updatedAt: string;
}

export const smsNumberStatus = defineQuery<SmsNumberStatus>('status');
