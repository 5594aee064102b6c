// The email verification workflow's contract (`email-verification:{user}`): started at sign-up, sends the
// signed link, resends on request, and ends when the address is confirmed or the last link expires.
import { defineQuery, defineSignal } from '@temporalio/workflow';

export const emailVerificationWorkflowType = 'emailVerificationWorkflow';
export type EmailVerificationWorkflow = (input: EmailVerificationInput) => Promise<EmailVerificationState>;

export interface EmailVerificationInput {
  userId: string;
  tenantId: string;
  email: string;
  name: string | null;
}

export interface EmailVerificationState {
  phase: 'waiting' | 'verified' | 'expired';
  linksSent: number;
  /** ISO time the latest link stops working. */
  expiresAt: string | null;
}

/** The API verified the address (the owner followed the link). */
export const emailVerified = defineSignal('emailVerified');
/** "Send me a new link": a fresh link with a fresh expiry. */
export const resendVerification = defineSignal('resendVerification');
export const verificationState = defineQuery<EmailVerificationState>('verificationState');
