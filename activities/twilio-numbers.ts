// Twilio phone numbers, as SMS needs them: search what is on sale (AvailablePhoneNumbers), buy one into the
// tenant's subaccount (IncomingPhoneNumbers), put it in the tenant's Messaging Service (Services/PhoneNumbers)
// and release it. Each step is idempotent by design: a buy first looks for the number in the subaccount (a
// retry after Twilio accepted finds it instead of failing with "not available"), "already in this service" is
// success, and a number already gone is released.
import { ApplicationFailure } from '@temporalio/activity';
import { SecretDecryptionError } from '../lib/crypto/secret-box.js';
import type { TenantCredentials } from '../lib/crypto/tenant-credentials.js';
import type { TwilioClient } from '../lib/twilio/client.js';
import type { AvailableNumber, NumberSearchInput } from '../workflows/contracts/sms-number.js';
import { translateTwilioError, twilioResourceName, type SubaccountRef } from './twilio-provisioning.js';

export interface TwilioNumbersDeps {
  /** Master-account client (releasing on disconnect works even after the subaccount's key is revoked). */
  master: TwilioClient | null;
  connect: (credentials: { accountSid: string; apiKey: string; apiSecret: string }) => TwilioClient;
  credentials: TenantCredentials | null;
  /** SERVER_PUBLIC_URL: a number outside a service still sends its SMS webhooks to us. */
  publicUrl: string;
}

/** Twilio: "already in this service" (a retry) and "in another service" (someone else's setup). */
const ALREADY_IN_SERVICE = 21710;
const IN_ANOTHER_SERVICE = 21712;
/** Twilio: the number is not (or no longer) on sale. */
const NOT_AVAILABLE = 21422;

/** Countries whose geographic (local) numbers can text; elsewhere SMS needs a mobile number. */
const LOCAL_NUMBERS_TEXT = new Set(['US', 'CA', 'PR']);

export function createTwilioNumbersActivities(deps: TwilioNumbersDeps) {
  const asSubaccount = async (ref: SubaccountRef): Promise<TwilioClient> => {
    if (!deps.credentials) throw ApplicationFailure.nonRetryable('SECRETS_ENCRYPTION_KEYS is not configured', 'SecretsKeyMissing');
    const key = await deps.credentials.loadApiKey(ref);
    if (!key) throw ApplicationFailure.nonRetryable('No API key is stored for this Twilio account; reconnect WhatsApp.', 'ApiKeyMissing');
    return deps.connect({ accountSid: ref.subaccountSid, apiKey: key.sid, apiSecret: key.secret });
  };
  const master = (): TwilioClient => {
    if (!deps.master) throw ApplicationFailure.nonRetryable('Twilio is not configured (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN)', 'TwilioNotConfigured');
    return deps.master;
  };
  const smsUrl = `${deps.publicUrl.replace(/\/+$/, '')}/webhooks/twilio/sms`;

  return {
    /** Numbers on sale that can text: local ones where those can (US, CA), mobile ones elsewhere. */
    async searchAvailableNumbers(input: NumberSearchInput & { tenantId: string }): Promise<{ numbers: AvailableNumber[] }> {
      return numbersCall('search numbers for sale', async () => {
        const client = await asSubaccount(input);
        const country = input.country.toUpperCase();
        const limit = Math.min(Math.max(input.limit ?? 10, 1), 30);
        const filter = {
          smsEnabled: true,
          limit,
          ...(input.areaCode ? { areaCode: Number(input.areaCode) } : {}),
          ...(input.contains ? { contains: input.contains } : {}),
        };
        const where = client.availablePhoneNumbers(country);
        const local = LOCAL_NUMBERS_TEXT.has(country) ? await where.local.list(filter) : [];
        const mobile = local.length >= limit ? [] : await where.mobile.list({ ...filter, limit: limit - local.length }).catch(notOffered);
        const found = [...local.map((n) => ({ n, type: 'local' })), ...mobile.map((n) => ({ n, type: 'mobile' }))];
        return {
          numbers: found.map(({ n, type }) => ({
            phoneNumber: n.phoneNumber,
            friendlyName: n.friendlyName,
            locality: n.locality || null,
            region: n.region || null,
            isoCountry: n.isoCountry,
            type,
            capabilities: capabilitiesOf(n.capabilities),
          })),
        };
      });
    },

    /** Buys `phoneNumber` into the subaccount, or finds it there already (a retry after Twilio accepted). */
    async buyNumber(input: SubaccountRef & { phoneNumber: string }): Promise<{ phoneNumberSid: string; alreadyOwned: boolean }> {
      return numbersCall('buy the phone number', async () => {
        const client = await asSubaccount(input);
        const owned = await client.incomingPhoneNumbers.list({ phoneNumber: input.phoneNumber, limit: 5 });
        const mine = owned.find((n) => n.phoneNumber === input.phoneNumber);
        if (mine) return { phoneNumberSid: mine.sid, alreadyOwned: true };
        try {
          const bought = await client.incomingPhoneNumbers.create({
            phoneNumber: input.phoneNumber,
            friendlyName: twilioResourceName(input.tenantId),
            smsUrl,
            smsMethod: 'POST',
          });
          return { phoneNumberSid: bought.sid, alreadyOwned: false };
        } catch (err) {
          if (codeOf(err) === NOT_AVAILABLE) {
            throw ApplicationFailure.nonRetryable(
              `${input.phoneNumber} is no longer available (Twilio code ${NOT_AVAILABLE}). Search again and pick another number.`,
              'NumberNotAvailable',
              { twilioCode: NOT_AVAILABLE },
            );
          }
          throw err;
        }
      });
    },

    async attachNumberToService(input: SubaccountRef & { messagingServiceSid: string; phoneNumberSid: string }): Promise<{ alreadyAttached: boolean }> {
      return numbersCall('add the number to the Messaging Service', async () => {
        const client = await asSubaccount(input);
        try {
          await client.messaging.v1.services(input.messagingServiceSid).phoneNumbers.create({ phoneNumberSid: input.phoneNumberSid });
          return { alreadyAttached: false };
        } catch (err) {
          if (codeOf(err) === ALREADY_IN_SERVICE) return { alreadyAttached: true };
          if (codeOf(err) === IN_ANOTHER_SERVICE) {
            throw ApplicationFailure.nonRetryable(
              'This number is in another Messaging Service of your Twilio account; remove it there, then retry.',
              'NumberInAnotherService',
              { twilioCode: IN_ANOTHER_SERVICE },
            );
          }
          throw err;
        }
      });
    },

    /** Gives the number back to Twilio (it leaves its service with it). Already gone counts as released. */
    async releaseNumber(input: { subaccountSid: string; phoneNumberSid: string }): Promise<{ released: boolean }> {
      return numbersCall('release the phone number', async () => {
        try {
          await master().api.v2010.accounts(input.subaccountSid).incomingPhoneNumbers(input.phoneNumberSid).remove();
          return { released: true };
        } catch (err) {
          if (statusOf(err) === 404) return { released: false };
          throw err;
        }
      });
    },
  };
}

export type TwilioNumbersActivities = ReturnType<typeof createTwilioNumbersActivities>;

/** Twilio's `{voice, SMS, MMS}` here (not `sms` as the SDK's type says): read both spellings. */
function capabilitiesOf(raw: unknown): { sms: boolean; mms: boolean; voice: boolean } {
  const c = (raw ?? {}) as Record<string, unknown>;
  return { sms: Boolean(c.SMS ?? c.sms), mms: Boolean(c.MMS ?? c.mms), voice: Boolean(c.voice ?? c.Voice) };
}

/** A country without mobile numbers answers 404 on Twilio: no numbers, not a failure. */
function notOffered(err: unknown): never[] {
  if (statusOf(err) === 404) return [];
  throw err;
}

function statusOf(err: unknown): number | null {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : null;
}

function codeOf(err: unknown): number | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : null;
}

async function numbersCall<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SecretDecryptionError) throw ApplicationFailure.nonRetryable(err.message, 'SecretUnreadable');
    throw translateTwilioError(err, action);
  }
}
