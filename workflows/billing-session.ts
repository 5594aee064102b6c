import { proxyActivities } from '@temporalio/workflow';
import type { StripeActivities } from '../activities/stripe.js';
import type { BillingSessionInput, UsageReportInput, UsageReportResult } from './contracts/billing.js';

// The merchant is waiting on the page: a few quick tries, then the API answers with what went wrong.
const session = proxyActivities<StripeActivities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '4 seconds', maximumAttempts: 4 },
});
// Nobody waits on the usage report: Stripe may take its time; the next scheduled run picks up what is left.
const meter = proxyActivities<StripeActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

/** Reported per activity call; a run takes a few batches at most, then leaves the rest to the next run. */
const DEFAULT_BATCH = 500;
const MAX_BATCHES = 10;

/**
 * One per Checkout or portal click (`billing-session:{tenant}:{request}`): the API waits for its URL. A
 * workflow, not an API call to Stripe, so the Stripe secret key stays in the worker and retries are Temporal's.
 */
export async function billingSessionWorkflow(input: BillingSessionInput): Promise<{ url: string }> {
  return session.createBillingSession(input);
}

/**
 * Started every minute by the `billing-usage-report` schedule: counted AI replies go to Stripe's meter in
 * batches (never a Stripe call inside a reply), each identified by its reply's message id.
 */
export async function usageReportWorkflow(input: UsageReportInput): Promise<UsageReportResult> {
  const batchSize = input.batchSize ?? DEFAULT_BATCH;
  const total: UsageReportResult = { reported: 0, duplicates: 0, dropped: 0, failed: 0 };
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const result = await meter.reportUsage({ max: batchSize });
    total.reported += result.reported;
    total.duplicates += result.duplicates;
    total.dropped += result.dropped;
    total.failed += result.failed;
    // A short batch means the outbox is empty; a failure means Stripe is struggling: the next run goes on.
    if (result.failed > 0 || result.reported + result.duplicates < batchSize) break;
  }
  return total;
}
