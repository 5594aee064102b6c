import { ActivityFailure } from '@temporalio/workflow';

/** The human-readable reason behind an activity failure, for the message row and the dashboard. */
export function failureReason(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}
