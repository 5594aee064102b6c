import { ApplicationFailure, isCancellation, proxyActivities, setHandler } from '@temporalio/workflow';
import type { SmsNumberActivities, SmsNumberRef } from '../activities/sms-numbers.js';
import type { TwilioNumbersActivities } from '../activities/twilio-numbers.js';
import { DATABASE_CALL } from './activity-options.js';
import {
  SMS_NUMBER_STEPS,
  smsNumberStatus,
  type AvailableNumber,
  type NumberSearchInput,
  type SmsNumberInput,
  type SmsNumberStatus,
  type SmsNumberStepId,
} from './contracts/sms-number.js';
import { failureReason } from './failure-reason.js';

// Buying, attaching and releasing: a Twilio blip (429, 5xx) is retried for ~15 minutes before the step fails.
const twilio = proxyActivities<TwilioNumbersActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 12 },
});
// A person is waiting on the search: answer fast or say why.
const search = proxyActivities<TwilioNumbersActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '3 seconds', maximumAttempts: 3 },
});
const db = proxyActivities<SmsNumberActivities>(DATABASE_CALL);
// Giving numbers back on disconnect must finish however long Twilio is down: a number nobody uses still costs.
const unwindTwilio = proxyActivities<TwilioNumbersActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/**
 * One SMS number of a merchant (`sms-number:{tenant}:{number}`): buy it into the tenant's Twilio subaccount →
 * put it in the tenant's Messaging Service (where inbound SMS reach our webhook like WhatsApp messages do) →
 * route it to the tenant. A later run with the same id releases it. Each step is a retried, idempotent activity,
 * and the status query is the dashboard's live step list.
 */
export async function smsNumberWorkflow(input: SmsNumberInput): Promise<SmsNumberStatus> {
  const status: SmsNumberStatus = {
    intent: input.intent,
    phase: 'running',
    phoneNumber: null,
    phoneNumberSid: null,
    steps: SMS_NUMBER_STEPS[input.intent].map((id) => ({ id, state: 'pending', reason: null, attempts: 0 })),
    failure: null,
    updatedAt: new Date().toISOString(),
  };
  setHandler(smsNumberStatus, () => ({ ...status, updatedAt: new Date().toISOString() }));

  const step = (id: SmsNumberStepId) => status.steps.find((s) => s.id === id)!;
  const run = async <T>(id: SmsNumberStepId, fn: () => Promise<T>): Promise<T> => {
    step(id).state = 'running';
    step(id).attempts += 1;
    try {
      const result = await fn();
      step(id).state = 'done';
      return result;
    } catch (err) {
      if (isCancellation(err)) throw err;
      const reason = failureReason(err);
      Object.assign(step(id), { state: 'failed', reason });
      status.phase = 'failed';
      status.failure = { step: id, reason };
      await db.recordSmsNumberFailed({ tenantId: input.tenantId, numberId: input.numberId, step: id, reason });
      throw ApplicationFailure.nonRetryable(reason, 'SmsNumberFailed', { step: id });
    }
  };

  const number = await db.loadSmsNumber({ tenantId: input.tenantId, numberId: input.numberId });
  status.phoneNumber = number.phoneNumber;
  status.phoneNumberSid = number.phoneNumberSid;
  if (input.intent === 'buy') await buy(number, run, status);
  else await release(number, run);
  status.phase = 'done';
  return status;
}

type StepRunner = <T>(id: SmsNumberStepId, fn: () => Promise<T>) => Promise<T>;

async function buy(number: SmsNumberRef, run: StepRunner, status: SmsNumberStatus): Promise<void> {
  const ref = { tenantId: number.tenantId, accountId: number.accountId, subaccountSid: number.subaccountSid };
  const { phoneNumberSid } = await run('buy', async () => {
    const bought = await twilio.buyNumber({ ...ref, phoneNumber: number.phoneNumber });
    await db.recordSmsNumberBought({ tenantId: number.tenantId, numberId: number.numberId, phoneNumberSid: bought.phoneNumberSid });
    return bought;
  });
  status.phoneNumberSid = phoneNumberSid;
  const messagingServiceSid = number.messagingServiceSid;
  await run('attach', async () => {
    if (!messagingServiceSid) throw ApplicationFailure.nonRetryable('Your WhatsApp connection has no Messaging Service yet; finish connecting WhatsApp first.', 'NoMessagingService');
    return twilio.attachNumberToService({ ...ref, messagingServiceSid, phoneNumberSid });
  });
  await run('identifiers', () =>
    db.recordSmsNumberActive({ tenantId: number.tenantId, accountId: number.accountId, numberId: number.numberId, subaccountSid: number.subaccountSid, messagingServiceSid: messagingServiceSid! }),
  );
}

async function release(number: SmsNumberRef, run: StepRunner): Promise<void> {
  await run('release', async () => {
    if (number.phoneNumberSid) await twilio.releaseNumber({ subaccountSid: number.subaccountSid, phoneNumberSid: number.phoneNumberSid });
  });
  await run('identifiers', () => db.recordSmsNumberReleased({ tenantId: number.tenantId, numberId: number.numberId }));
}

/** The numbers on sale (started by the API, awaited: the merchant is looking at the search form). */
export async function smsNumberSearchWorkflow(input: NumberSearchInput): Promise<{ numbers: AvailableNumber[] }> {
  return search.searchAvailableNumbers(input);
}

/**
 * A WhatsApp disconnect gives every SMS number of the tenant back to Twilio (with the master credentials: the
 * subaccount's key is revoked next) and stops routing them. Called from the onboarding workflow's unwind.
 */
export async function releaseHeldSmsNumbers(tenantId: string, subaccountSid: string): Promise<void> {
  for (const held of await db.listHeldSmsNumbers({ tenantId })) {
    if (held.phoneNumberSid) await unwindTwilio.releaseNumber({ subaccountSid, phoneNumberSid: held.phoneNumberSid });
    await db.recordSmsNumberReleased({ tenantId, numberId: held.numberId });
  }
}
