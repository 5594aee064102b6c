// Activity failures in error tracking (when SENTRY_DSN is set): each failed activity is reported once,
// when Temporal will not run it again, not once per retry. Its inputs are never attached (they carry
// customer messages and ids); the tags say which activity of which workflow failed, and on which attempt.
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { Sentry } from '../lib/error-tracking.js';

/** An activity retried without limit is reported once, when it has failed this many times. */
export const STUCK_AFTER_ATTEMPTS = 5;

interface AttemptInfo {
  attempt: number;
  retryPolicy?: { maximumAttempts?: number; nonRetryableErrorTypes?: string[] } | undefined;
}

/** Whether this failure is the activity's last: Temporal gives up on it after this attempt. */
export function isFinalFailure(err: unknown, info: AttemptInfo): boolean {
  if (err instanceof CancelledFailure) return false;
  if (err instanceof ApplicationFailure && err.nonRetryable) return true;
  const type = err instanceof ApplicationFailure ? err.type : err instanceof Error ? err.name : undefined;
  if (type && info.retryPolicy?.nonRetryableErrorTypes?.includes(type)) return true;
  const max = info.retryPolicy?.maximumAttempts ?? 0;
  return max > 0 ? info.attempt >= max : info.attempt === STUCK_AFTER_ATTEMPTS;
}

export function activityErrorTracking(capture: typeof Sentry.captureException = Sentry.captureException): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (err) {
          const { info } = ctx;
          if (isFinalFailure(err, info)) {
            capture(err, {
              tags: { activityType: info.activityType, workflowType: info.workflowType ?? 'unknown', taskQueue: info.taskQueue },
              contexts: { activity: { workflowId: info.workflowExecution?.workflowId ?? null, attempt: info.attempt } },
              fingerprint: ['activity', info.activityType, err instanceof Error ? err.name : 'error'],
            });
          }
          throw err;
        }
      },
    },
  });
}
