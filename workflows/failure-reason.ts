import { ActivityFailure, ChildWorkflowFailure } from '@temporalio/workflow';

/**
 * The human-readable reason behind a failed activity or child workflow: the innermost cause's message,
 * not Temporal's wrapper ("Activity task failed"). Every workflow records and shows reasons through this.
 */
export function failureReason(err: unknown): string {
  const cause = (err instanceof ActivityFailure || err instanceof ChildWorkflowFailure) && err.cause ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}
