// The conversation workflow's contract: what the API, the workflow and the tests agree on. Pure (type
// imports and `define*` only), so the API imports it without importing workflow logic.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Channel } from '../../lib/conversations/addresses.js';
import type { OptOutIntent } from '../../lib/conversations/opt-out.js';

export const conversationWorkflowType = 'conversationWorkflow';
export type ConversationWorkflow = (input: ConversationInput) => Promise<void>;

export interface InboundSignal {
  /** Twilio MessageSid: signals are not deduplicated by the server, the workflow's seen-set is keyed by it. */
  messageSid: string;
  /** Computed by the API from the body, so the message text itself stays out of workflow history. */
  optOut: OptOutIntent | null;
}

export interface ManualReplySignal {
  /** The outbound Message row the API stored (source `human`); its id is the send's idempotency key. */
  messageId: string;
}

export interface TakeoverSignal {
  by: string;
}

/** A customer (or a merchant) wrote: the conversation starts with what the database knows. */
export interface ConversationInput {
  tenantId: string;
  conversationId: string;
  channel: Channel;
  customerAddress: string;
  quietPeriodMs: number;
  /** Absent in runs started before the option existed: those keep running replies as children. */
  replyAs?: ReplyExecution;
  aiPaused: boolean;
  optedOut: boolean;
  /** Epoch ms of the customer's last message, or null. */
  lastInboundAt: number | null;
  /** Carried across continue-as-new. */
  carried?: CarriedState;
}

/** `child`: each reply is its own `reply:{sid}` workflow; `inline`: the reply's steps run in the conversation. */
export type ReplyExecution = 'child' | 'inline';

export interface CarriedState {
  seen: string[];
  pending: InboundSignal[];
  outbox: string[];
  /** A turn waiting for the shop to open (its away message went out), and when it opens (epoch ms). */
  held?: InboundSignal[];
  opensAt?: number | null;
  /** The away message of the held turn: keys the hand-off email when the opening is past the 24-hour window. */
  awayMessageId?: string;
}

export interface ConversationState {
  aiPaused: boolean;
  optedOut: boolean;
  lastInboundAt: number | null;
  windowOpen: boolean;
  pendingInbound: number;
  repliesStarted: number;
  /** Why the last turn got no AI reply (`ai_paused`, `opted_out`, …), for ops. */
  lastSkipReason: string | null;
}

export const inboundMessage = defineSignal<[InboundSignal]>('inboundMessage');
export const takeOver = defineSignal<[TakeoverSignal]>('takeOver');
export const resumeAi = defineSignal('resumeAi');
export const manualReply = defineSignal<[ManualReplySignal]>('manualReply');
export const conversationState = defineQuery<ConversationState>('state');
