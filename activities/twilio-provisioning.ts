// Twilio, as the onboarding workflow needs it: a subaccount per tenant, its API key, WhatsApp senders,
// the Messaging Service and a test message. Every step is idempotent by design (find by FriendlyName before
// creating; "already attached" counts as attached), takes and returns sids only, and keeps every secret
// inside this process: they go straight from Twilio's answer into encrypted storage.
import { ApplicationFailure } from '@temporalio/activity';
import { SecretDecryptionError } from '../lib/crypto/secret-box.js';
import type { AccountRef, TenantCredentials } from '../lib/crypto/tenant-credentials.js';
import type { TwilioClient } from '../lib/twilio/client.js';

export interface TwilioProvisioningDeps {
  /** Master-account client; null when no Twilio credentials are configured. */
  master: TwilioClient | null;
  /** A client acting as one subaccount through its API key (same base URL as the master client). */
  connect: (credentials: { accountSid: string; apiKey: string; apiSecret: string }) => TwilioClient;
  /** Null when SECRETS_ENCRYPTION_KEYS is not configured. */
  credentials: TenantCredentials | null;
  /** SERVER_PUBLIC_URL: Twilio signs webhooks over these exact URLs. */
  publicUrl: string;
}

export interface SubaccountRef extends AccountRef {
  subaccountSid: string;
}

export interface WhatsAppSender {
  sid: string;
  /** E.164, without the `whatsapp:` prefix. */
  phoneNumber: string;
  status: string;
  offlineReasons: Array<{ code: string; message: string }>;
}

/** The FriendlyName every resource of a tenant carries: how a rerun finds instead of creating. */
export const twilioResourceName = (tenantId: string) => `wara:${tenantId}`;

export function webhookUrls(publicUrl: string): { inboundRequestUrl: string; statusCallback: string } {
  const base = publicUrl.replace(/\/+$/, '');
  return { inboundRequestUrl: `${base}/webhooks/twilio/whatsapp`, statusCallback: `${base}/webhooks/twilio/status` };
}

/** Twilio's "already in this service": attaching twice is what a retry does, so it is success. */
const ALREADY_ATTACHED = 21710;
const ATTACHED_ELSEWHERE = 21712;

export function createTwilioProvisioningActivities(deps: TwilioProvisioningDeps) {
  const master = (): TwilioClient => {
    if (!deps.master) throw ApplicationFailure.nonRetryable('Twilio is not configured (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN)', 'TwilioNotConfigured');
    return deps.master;
  };
  const vault = (): TenantCredentials => {
    if (!deps.credentials) throw ApplicationFailure.nonRetryable('SECRETS_ENCRYPTION_KEYS is not configured', 'SecretsKeyMissing');
    return deps.credentials;
  };
  const asSubaccount = async (ref: SubaccountRef): Promise<TwilioClient> => {
    const key = await vault().loadApiKey(ref);
    if (!key) throw ApplicationFailure.nonRetryable('No API key is stored for this WhatsApp connection', 'ApiKeyMissing');
    return deps.connect({ accountSid: ref.subaccountSid, apiKey: key.sid, apiSecret: key.secret });
  };

  return {
    async ensureSubaccount(ref: AccountRef): Promise<{ subaccountSid: string; created: boolean }> {
      return twilioCall('create or fetch the subaccount', async () => {
        const friendlyName = twilioResourceName(ref.tenantId);
        const found = (await master().api.v2010.accounts.list({ friendlyName }))
          .filter((a) => a.status !== 'closed' && a.sid !== a.ownerAccountSid)
          .sort((a, b) => a.dateCreated.getTime() - b.dateCreated.getTime());
        let sid = found[0]?.sid;
        const created = sid === undefined;
        if (sid === undefined) sid = (await master().api.v2010.accounts.create({ friendlyName })).sid;
        else if (found[0]!.status === 'suspended') await master().api.v2010.accounts(sid).update({ status: 'active' });
        // Fetched rather than taken from the list so a reused subaccount also gets its current token stored.
        const { authToken } = await master().api.v2010.accounts(sid).fetch();
        await vault().storeAuthToken(ref, authToken);
        return { subaccountSid: sid, created };
      });
    },

    async ensureApiKey(ref: SubaccountRef): Promise<{ apiKeySid: string; created: boolean }> {
      return twilioCall('create the API key', async () => {
        const keys = master().api.v2010.accounts(ref.subaccountSid).keys;
        const stored = await vault().loadApiKey(ref);
        if (stored) {
          const alive = await keys(stored.sid)
            .fetch()
            .then(() => true)
            .catch((err: unknown) => (restError(err)?.status === 404 ? false : Promise.reject(err)));
          if (alive) return { apiKeySid: stored.sid, created: false };
          await vault().forgetApiKey(ref);
        }
        // A key of ours that is not stored lost its secret (crash between create and store): revoke it.
        const name = twilioResourceName(ref.tenantId);
        for (const orphan of (await keys.list()).filter((k) => k.friendlyName === name)) await keys(orphan.sid).remove();
        const key = await master().api.v2010.accounts(ref.subaccountSid).newKeys.create({ friendlyName: name });
        await vault().storeApiKey(ref, { sid: key.sid, secret: key.secret });
        return { apiKeySid: key.sid, created: true };
      });
    },

    async listWhatsAppSenders(ref: SubaccountRef): Promise<{ senders: WhatsAppSender[] }> {
      return twilioCall('list WhatsApp senders', async () => {
        const client = await asSubaccount(ref);
        const senders = await client.messaging.v2.channelsSenders.list({ channel: 'whatsapp' });
        return {
          senders: senders.map((s) => ({
            sid: s.sid,
            phoneNumber: s.senderId.replace(/^whatsapp:/, ''),
            status: s.status,
            offlineReasons: (s.offlineReasons ?? []).map((r) => ({ code: r.code ?? '', message: r.message ?? '' })),
          })),
        };
      });
    },

    async ensureMessagingService(ref: SubaccountRef): Promise<{ messagingServiceSid: string; created: boolean }> {
      return twilioCall('create the Messaging Service', async () => {
        const client = await asSubaccount(ref);
        const friendlyName = twilioResourceName(ref.tenantId);
        const urls = webhookUrls(deps.publicUrl);
        const existing = (await client.messaging.v1.services.list()).find((s) => s.friendlyName === friendlyName);
        if (existing) {
          // A rerun after SERVER_PUBLIC_URL changed repoints the webhooks instead of leaving them stale.
          if (existing.inboundRequestUrl !== urls.inboundRequestUrl || existing.statusCallback !== urls.statusCallback) {
            await client.messaging.v1.services(existing.sid).update({ ...urls, inboundMethod: 'POST' });
          }
          return { messagingServiceSid: existing.sid, created: false };
        }
        const svc = await client.messaging.v1.services.create({ friendlyName, ...urls, inboundMethod: 'POST', useInboundWebhookOnNumber: false });
        return { messagingServiceSid: svc.sid, created: true };
      });
    },

    async attachSender(input: SubaccountRef & { messagingServiceSid: string; senderSid: string }): Promise<{ alreadyAttached: boolean }> {
      return twilioCall('attach the WhatsApp sender', async () => {
        const client = await asSubaccount(input);
        try {
          await client.messaging.v1.services(input.messagingServiceSid).channelSenders.create({ sid: input.senderSid });
          return { alreadyAttached: false };
        } catch (err) {
          if (restError(err)?.code === ALREADY_ATTACHED) return { alreadyAttached: true };
          if (restError(err)?.code === ATTACHED_ELSEWHERE) {
            throw ApplicationFailure.nonRetryable(
              'This WhatsApp number is attached to another Messaging Service in the Twilio subaccount; detach it there, then retry.',
              'SenderAttachedElsewhere',
              { twilioCode: ATTACHED_ELSEWHERE },
            );
          }
          throw err;
        }
      });
    },

    /** Revokes every key of ours in the subaccount (the stored one and any orphan), then forgets the secret. */
    async revokeApiKey(ref: SubaccountRef): Promise<{ revoked: string[] }> {
      return twilioCall('revoke the API key', async () => {
        const keys = master().api.v2010.accounts(ref.subaccountSid).keys;
        const stored = await vault().loadApiKey(ref);
        const name = twilioResourceName(ref.tenantId);
        // A subaccount that no longer exists (closed, or a wiped stand-in) has no keys left to revoke.
        const listed = await keys.list().catch((err: unknown) => (restError(err)?.status === 404 ? [] : Promise.reject(err)));
        const sids = new Set(listed.filter((k) => k.friendlyName === name).map((k) => k.sid));
        if (stored) sids.add(stored.sid);
        for (const sid of sids) {
          // Already gone (a retry, or removed in the console) is what we wanted.
          await keys(sid)
            .remove()
            .catch((err: unknown) => (restError(err)?.status === 404 ? false : Promise.reject(err)));
        }
        await vault().forgetApiKey(ref);
        return { revoked: [...sids] };
      });
    },

    /**
     * Sends through the Messaging Service. `reference` goes into the body and makes a retry find the message
     * it already sent instead of sending a second one.
     */
    async sendTestMessage(
      input: SubaccountRef & { messagingServiceSid: string; to: string; reference: string },
    ): Promise<{ messageSid: string; status: string }> {
      return twilioCall('send the test message', async () => {
        const client = await asSubaccount(input);
        const to = `whatsapp:${input.to}`;
        const marker = `(ref ${input.reference})`;
        const sent = (await client.messages.list({ to, limit: 50 })).find((m) => m.body?.includes(marker));
        if (sent) return { messageSid: sent.sid, status: sent.status };
        const message = await client.messages.create({
          messagingServiceSid: input.messagingServiceSid,
          to,
          body: `Hello from WARA! Your WhatsApp number is connected and ready to answer customers. ${marker}`,
        });
        return { messageSid: message.sid, status: message.status };
      });
    },
  };
}

export type TwilioProvisioningActivities = ReturnType<typeof createTwilioProvisioningActivities>;

interface RestErrorShape {
  status: number;
  code?: number;
  message: string;
}

function restError(err: unknown): RestErrorShape | null {
  if (typeof err !== 'object' || err === null || !('status' in err) || typeof err.status !== 'number') return null;
  const code = 'code' in err && typeof err.code === 'number' ? err.code : undefined;
  return { status: err.status, message: err instanceof Error ? err.message : '', ...(code === undefined ? {} : { code }) };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'ENOTFOUND', 'EPIPE']);

/**
 * The one place Twilio failures become Temporal failures: 429, 5xx and network trouble are retried by the
 * workflow's policy; anything else Twilio refused (auth 20003, validation 400, not found) will not get
 * better by retrying and fails the step at once with Twilio's code.
 */
export function translateTwilioError(err: unknown, action: string): unknown {
  if (err instanceof ApplicationFailure) return err;
  const rest = restError(err);
  if (rest) {
    // Twilio's own text stays in the failure's details (operators see it in the Temporal UI and the logs);
    // the message, which merchants see, is ours: what we tried, and Twilio's code to look up.
    const details = { twilioStatus: rest.status, twilioCode: rest.code ?? null, twilioMessage: rest.message ?? null };
    const what = `Twilio refused to ${action} (HTTP ${rest.status}${rest.code ? `, code ${rest.code}` : ''}).`;
    if (rest.status === 429) return ApplicationFailure.retryable(`Twilio rate-limited "${action}"`, 'TwilioRateLimited', details);
    if (rest.status >= 500) return ApplicationFailure.retryable(`Twilio failed to ${action} (HTTP ${rest.status})`, 'TwilioServerError', details);
    if (rest.status === 401 || rest.status === 403) return ApplicationFailure.nonRetryable(what, 'TwilioAuthFailed', details);
    if (rest.status === 404) return ApplicationFailure.nonRetryable(what, 'TwilioNotFound', details);
    return ApplicationFailure.nonRetryable(what, 'TwilioRequestRejected', details);
  }
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  if (NETWORK_CODES.has(code) || (err instanceof Error && /timeout/i.test(err.message))) {
    return ApplicationFailure.retryable(`Could not reach Twilio to ${action} (${code || 'timeout'})`, 'TwilioUnavailable');
  }
  return err;
}

async function twilioCall<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    // A secret that no key in the ring opens will not open on the next attempt either.
    if (err instanceof SecretDecryptionError) throw ApplicationFailure.nonRetryable(err.message, 'SecretUnreadable');
    throw translateTwilioError(err, action);
  }
}
