// Activity timeout and retry profiles that more than one workflow uses, named for why they are so.
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

type Profile = ActivityOptions & LocalActivityOptions;

/** Our own database: short calls, retried until it answers (only non-retryable failures stop them). */
export const DATABASE_CALL = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
} satisfies Profile;

/**
 * A Twilio send: idempotent on the stored message row (see activities/twilio-messaging.ts), so retries are
 * safe; the first retry waits long enough for an attempt that timed out to have settled at Twilio.
 */
export const TWILIO_SEND = {
  startToCloseTimeout: '45 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 12 },
} satisfies Profile;
