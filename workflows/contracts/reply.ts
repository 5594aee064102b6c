// The reply workflow's contract: one answer to one customer turn. Run as its own `reply:{sid}` child or
// inline in its conversation (REPLY_WORKFLOW); the activities that draft and send take the same input.

export const replyWorkflowType = 'replyWorkflow';
export type ReplyWorkflow = (input: ReplyInput) => Promise<ReplyResult>;

export interface ReplyInput {
  tenantId: string;
  conversationId: string;
  /** The inbound messages this reply answers (a burst); the last one keys the reply. */
  inboundSids: string[];
  /** Decided by the conversation workflow on its own clock (time-skipping tests move it). */
  withinWindow: boolean;
}

export interface ReplyResult {
  messageId: string;
  outcome: 'sent' | 'already_sent' | 'not_sent';
  reason: string | null;
  /** The customer asked in words to stop messages: the reply was the opt-out confirmation. */
  optedOut?: boolean;
}
