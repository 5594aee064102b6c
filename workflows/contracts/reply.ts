// The reply workflow's contract: one answer to one customer turn. Run as its own `reply:{sid}` child or
// inline in its conversation (REPLY_WORKFLOW); the activities that draft and send take the same input.

import type { HandoffReason } from '../../lib/agent/handoff.js';

export const replyWorkflowType = 'replyWorkflow';
export type ReplyWorkflow = (input: ReplyInput) => Promise<ReplyResult>;

export interface ReplyInput {
  tenantId: string;
  conversationId: string;
  /** The inbound messages this reply answers (a burst); the last one keys the reply. */
  inboundSids: string[];
  /** Decided by the conversation workflow on its own clock (time-skipping tests move it). */
  withinWindow: boolean;
  /** The workflow's clock when the turn is answered: business hours are judged at it. Absent in older runs. */
  at?: number;
  /** The turn waited for the shop to open (its away message went out): answer it whatever the hours say. */
  afterHours?: boolean;
  /**
   * When WhatsApp's 24-hour window closes (epoch ms, on the workflow's clock); absent on SMS and in older
   * runs. An away message for an opening after it promises no answer at opening (business-hours.ts).
   */
  windowClosesAt?: number;
}

export interface ReplyResult {
  messageId: string;
  outcome: 'sent' | 'already_sent' | 'not_sent';
  reason: string | null;
  /** The customer asked in words to stop messages: the reply was the opt-out confirmation. */
  optedOut?: boolean;
  /** The merchant's hand-off rules handed the conversation over: the conversation pauses its AI. */
  handoff?: HandoffReason;
  /** The reply was the away message: the turn is answered when the shop opens (epoch ms). */
  holdUntil?: number;
}
