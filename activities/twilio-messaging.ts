// Twilio Messaging, exactly once. Every outbound message is a row written before any send (AI replies keyed
// by the inbound sid they answer, manual replies by their own id). Twilio's Messages API has no idempotency
// key, so this activity makes a resend impossible itself:
//  1. the row already has a provider sid → it was sent; done.
//  2. stamp the attempt on the row (send_attempted_at) BEFORE calling Twilio, then record the sid the moment
//     Twilio answers. The status callback URL carries the row id (`?m=`), so Twilio's first callback can
//     record the sid too, even if this process died right after Twilio accepted.
//  3. a retry that finds an attempt stamp but no sid does not know whether Twilio accepted. It waits until
//     that attempt cannot still be in flight (`settleMs` > the HTTP timeout), then looks the message up
//     (same To, same Messaging Service, same body, created since the attempt, not owned by another row).
//     Found → record it; not found → Twilio never accepted it, so sending now is the first send.
import { ApplicationFailure } from '@temporalio/activity';
import { outboundAddress } from '../lib/conversations/addresses.js';
import { twilioStatus } from '../lib/conversations/status.js';
import { TtlCache } from '../lib/conversations/ttl-cache.js';
import type { TenantCredentials } from '../lib/crypto/tenant-credentials.js';
import type { PrismaClient } from '../lib/db/client.js';
import type { TwilioClient } from '../lib/twilio/client.js';

export interface TwilioMessagingDeps {
  prisma: PrismaClient;
  /** Null when SECRETS_ENCRYPTION_KEYS is not configured. */
  credentials: TenantCredentials | null;
  /** A client acting as one subaccount through its API key. */
  connect: (credentials: { accountSid: string; apiKey: string; apiSecret: string }) => TwilioClient;
  /** SERVER_PUBLIC_URL: status callbacks come back here. */
  publicUrl: string;
  /** Approved template for messages outside WhatsApp's 24-hour window; null means "do not send". */
  templateContentSid: string | null;
  /** Longer than the Twilio client's request timeout: after it, an unanswered attempt has landed or never will. */
  settleMs?: number;
  now?: () => number;
}

export interface SendResult {
  outcome: 'sent' | 'already_sent' | 'not_sent';
  providerMessageSid: string | null;
  reason: string | null;
}

const LOOKUP_SKEW_MS = 2 * 60_000;

export function createTwilioMessagingActivities(deps: TwilioMessagingDeps) {
  const { prisma } = deps;
  const now = deps.now ?? Date.now;
  const settleMs = deps.settleMs ?? 20_000;
  const clients = new TtlCache<string, TwilioClient>(5 * 60_000);

  const clientFor = async (ref: { tenantId: string; accountId: string; subaccountSid: string }): Promise<TwilioClient> => {
    const cached = clients.get(ref.accountId);
    if (cached) return cached;
    if (!deps.credentials) throw ApplicationFailure.nonRetryable('SECRETS_ENCRYPTION_KEYS is not configured', 'SecretsKeyMissing');
    const key = await deps.credentials.loadApiKey(ref);
    if (!key) throw ApplicationFailure.nonRetryable('No API key is stored for this WhatsApp connection', 'ApiKeyMissing');
    const client = deps.connect({ accountSid: ref.subaccountSid, apiKey: key.sid, apiSecret: key.secret });
    clients.set(ref.accountId, client);
    return client;
  };

  const notSent = async (id: string, code: string, message: string): Promise<SendResult> => {
    await prisma.message.updateMany({
      where: { id, providerMessageSid: null },
      data: { status: 'not_sent', errorCode: code, errorMessage: message, statusUpdatedAt: new Date(now()) },
    });
    return { outcome: 'not_sent', providerMessageSid: null, reason: code };
  };

  /** First writer wins: the callback (`?m=`) or this activity, whichever learns the sid first. */
  const recordSid = async (row: { id: string }, sid: string, twilioStatusWord: string): Promise<SendResult> => {
    const parsed = twilioStatus.safeParse(twilioStatusWord);
    await prisma.message.updateMany({
      where: { id: row.id, providerMessageSid: null },
      data: { providerMessageSid: sid, status: parsed.success ? parsed.data : 'queued', statusUpdatedAt: new Date(now()) },
    });
    return { outcome: 'sent', providerMessageSid: sid, reason: null };
  };

  return {
    async sendMessage(input: { messageId: string; withinWindow: boolean }): Promise<SendResult> {
      const row = await prisma.message.findUnique({
        where: { id: input.messageId },
        include: { conversation: { include: { account: true } } },
      });
      if (!row || row.direction !== 'outbound') throw ApplicationFailure.nonRetryable(`no outbound message ${input.messageId}`, 'MessageMissing');
      if (row.providerMessageSid) return { outcome: 'already_sent', providerMessageSid: row.providerMessageSid, reason: null };
      if (row.status === 'not_sent' || row.status === 'failed') return { outcome: 'not_sent', providerMessageSid: null, reason: row.errorCode };

      const { conversation } = row;
      // Only the opt-out confirmation itself may reach someone who said STOP.
      if (conversation.optedOut && row.source !== 'system') return notSent(row.id, 'opted_out', 'The customer opted out (STOP).');
      const useTemplate = !input.withinWindow;
      if (useTemplate && !deps.templateContentSid) {
        return notSent(row.id, 'outside_window', 'The 24-hour WhatsApp window is closed and no approved template (WHATSAPP_TEMPLATE_CONTENT_SID) is configured.');
      }
      const account = conversation.account;
      if (!account?.subaccountSid || !account.messagingServiceSid || account.status !== 'connected') {
        return notSent(row.id, 'not_connected', 'WhatsApp is not connected for this merchant.');
      }
      const client = await clientFor({ tenantId: row.tenantId, accountId: account.id, subaccountSid: account.subaccountSid });
      const to = outboundAddress(conversation.channel, conversation.customerAddress);

      if (row.sendAttemptedAt) {
        const attemptedAt = row.sendAttemptedAt.getTime();
        if (now() - attemptedAt < settleMs) {
          throw ApplicationFailure.retryable('The previous send attempt may still be landing at Twilio; checking again shortly.', 'SendSettling');
        }
        const since = attemptedAt - LOOKUP_SKEW_MS;
        const recent = await client.messages.list({ to, limit: 50 });
        for (const m of recent) {
          const matches = m.direction.startsWith('outbound') && m.messagingServiceSid === account.messagingServiceSid &&
            m.dateCreated.getTime() >= since && (useTemplate || m.body === row.body);
          if (!matches) continue;
          const owner = await prisma.message.findUnique({ where: { providerMessageSid: m.sid }, select: { id: true } });
          if (!owner) return recordSid(row, m.sid, m.status);
        }
      }

      const { count } = await prisma.message.updateMany({
        where: { id: row.id, providerMessageSid: null },
        data: { sendAttempts: { increment: 1 }, sendAttemptedAt: new Date(now()), ...(useTemplate ? { contentSid: deps.templateContentSid } : {}) },
      });
      if (count === 0) return { outcome: 'already_sent', providerMessageSid: null, reason: null };

      const statusCallback = `${deps.publicUrl.replace(/\/+$/, '')}/webhooks/twilio/status?m=${encodeURIComponent(row.id)}`;
      let created;
      try {
        created = await client.messages.create({
          messagingServiceSid: account.messagingServiceSid,
          to,
          statusCallback,
          ...(useTemplate ? { contentSid: deps.templateContentSid! } : { body: row.body }),
        });
      } catch (err) {
        const status = (err as { status?: unknown }).status;
        const code = (err as { code?: unknown }).code;
        // A 4xx (except 429) is Twilio refusing this message: it was not accepted, and will not be on retry.
        if (typeof status === 'number' && status >= 400 && status < 500 && status !== 429) {
          await prisma.message.updateMany({
            where: { id: row.id, providerMessageSid: null },
            data: { status: 'failed', errorCode: String(code ?? status), errorMessage: (err as Error).message.slice(0, 500), statusUpdatedAt: new Date(now()) },
          });
          return { outcome: 'not_sent', providerMessageSid: null, reason: String(code ?? status) };
        }
        throw err;
      }
      return recordSid(row, created.sid, created.status);
    },
  };
}

export type TwilioMessagingActivities = ReturnType<typeof createTwilioMessagingActivities>;
