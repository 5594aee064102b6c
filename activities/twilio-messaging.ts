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
import { ApplicationFailure, log } from '@temporalio/activity';
import { outboundAddress, type Channel } from '../lib/conversations/addresses.js';
import { markOptedOutByCarrier } from '../lib/broadcasts/consent.js';
import { recordNoReply } from '../lib/conversations/no-reply.js';
import { settleUnsent } from '../lib/conversations/reply-store.js';
import { twilioStatus, type MessageStatus } from '../lib/conversations/status.js';
import { TtlCache } from '../lib/conversations/ttl-cache.js';
import type { TenantCredentials } from '../lib/crypto/tenant-credentials.js';
import type { PrismaClient } from '../lib/db/client.js';
import { sqlPool } from '../lib/db/sql.js';
import { fitSmsToSegments } from '../lib/sms/segments.js';
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
  /** An SMS AI reply is cut to fit in this many segments (SMS_REPLY_MAX_SEGMENTS; default 3). */
  smsMaxSegments?: number;
  now?: () => number;
}

export interface SendResult {
  outcome: 'sent' | 'already_sent' | 'not_sent';
  providerMessageSid: string | null;
  reason: string | null;
}

const LOOKUP_SKEW_MS = 2 * 60_000;

/** The message with what sending it needs of its conversation and WhatsApp connection (enums as text). */
interface SendRow {
  id: string;
  tenantId: string;
  conversationId: string;
  direction: 'inbound' | 'outbound';
  body: string;
  status: MessageStatus;
  source: string;
  errorCode: string | null;
  providerMessageSid: string | null;
  sendAttemptedAt: Date | null;
  replyToMessageSid: string | null;
  optedOut: boolean;
  aiPaused: boolean;
  channel: Channel;
  customerAddress: string;
  /** Null when the conversation has no connection (LEFT JOIN); then so are the other account fields. */
  accountId: string | null;
  subaccountSid: string | null;
  messagingServiceSid: string | null;
  accountStatus: string | null;
}

// Plain `pg` (lib/db/sql.ts): these run for every reply sent, and Prisma's query compiler cost more worker
// CPU than the queries. Every write after the load is guarded by `provider_message_sid IS NULL`: once a sid
// is recorded (here or by the status callback), nothing here touches the row again. Times are `now()` of
// this activity's clock (tests inject one), stored as UTC like Prisma did.
const LOAD_FOR_SEND = `
  SELECT m.id, m.tenant_id AS "tenantId", m.conversation_id AS "conversationId", m.direction::text AS direction, m.body, m.status::text AS status,
         m.source::text AS source, m.error_code AS "errorCode", m.provider_message_sid AS "providerMessageSid",
         m.send_attempted_at AS "sendAttemptedAt", m.reply_to_message_sid AS "replyToMessageSid",
         c.opted_out AS "optedOut", c.ai_paused AS "aiPaused", c.channel::text AS channel, c.customer_address AS "customerAddress",
         a.id AS "accountId", a.subaccount_sid AS "subaccountSid", a.messaging_service_sid AS "messagingServiceSid",
         a.status::text AS "accountStatus"
  FROM messages m
  JOIN conversations c ON c.id = m.conversation_id
  LEFT JOIN integration_accounts a ON a.id = c.account_id
  WHERE m.id = $1`;

const RECORD_SID = `
  UPDATE messages
  SET provider_message_sid = $2, status = $3::message_status,
      status_updated_at = $4::timestamptz AT TIME ZONE 'UTC', updated_at = $4::timestamptz AT TIME ZONE 'UTC'
  WHERE id = $1 AND provider_message_sid IS NULL`;

/**
 * Twilio refused this connection's credentials: the connection is broken until the merchant reconnects. Only
 * a connected account moves (a reconnect in progress is not undone by a late failure of an old send).
 */
const MARK_BROKEN = `
  UPDATE integration_accounts
  SET status = 'broken', last_error = $2, updated_at = now() AT TIME ZONE 'UTC'
  WHERE id = $1 AND status = 'connected'`;

/** Twilio's Advanced Opt-Out refused the send: the customer texted STOP to this number. */
const OPTED_OUT_AT_CARRIER = 21610;

/** Twilio's answers that mean "these credentials do not work" rather than "this message is wrong". */
const AUTH_FAILURE_CODES = new Set([20003, 20005]);

/** The attempt stamp; content_sid only when a template is sent ($3 null keeps what is stored). */
const STAMP_ATTEMPT = `
  UPDATE messages
  SET send_attempts = send_attempts + 1, send_attempted_at = $2::timestamptz AT TIME ZONE 'UTC',
      content_sid = coalesce($3, content_sid), updated_at = $2::timestamptz AT TIME ZONE 'UTC'
  WHERE id = $1 AND provider_message_sid IS NULL`;

export function createTwilioMessagingActivities(deps: TwilioMessagingDeps) {
  const sql = sqlPool(deps.prisma);
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
    await settleUnsent(sql, { messageId: id, status: 'not_sent', errorCode: code, errorMessage: message, at: new Date(now()) });
    return { outcome: 'not_sent', providerMessageSid: null, reason: code };
  };

  /**
   * Twilio refused the connection's credentials (a rotated token, a revoked key, a suspended or vanished
   * subaccount): no message goes out on it until the merchant reconnects, so mark the connection broken with
   * Twilio's reason (the WhatsApp page shows it) and this message failed. Null for any other error.
   */
  const credentialsRefused = async (messageId: string, accountId: string, err: unknown): Promise<SendResult | null> => {
    const status = (err as { status?: unknown }).status;
    const code = (err as { code?: unknown }).code;
    if (status !== 401 && !(typeof code === 'number' && AUTH_FAILURE_CODES.has(code))) return null;
    // Our words and Twilio's code for the merchant; Twilio's own text only in the worker's log.
    const reason = `Twilio refused this connection's credentials (code ${String(code ?? status)}). Reconnect WhatsApp to fix it.`;
    log.warn('twilio refused the connection credentials', { accountId, code, status, twilioMessage: (err as Error).message });
    await sql.query({ name: 'send.mark-broken', text: MARK_BROKEN, values: [accountId, reason] });
    clients.delete(accountId);
    await settleUnsent(sql, { messageId, status: 'failed', errorCode: String(code ?? status), errorMessage: reason, at: new Date(now()) });
    return { outcome: 'not_sent', providerMessageSid: null, reason: String(code ?? status) };
  };

  /** First writer wins: the callback (`?m=`) or this activity, whichever learns the sid first. */
  const recordSid = async (row: { id: string }, sid: string, twilioStatusWord: string): Promise<SendResult> => {
    const parsed = twilioStatus.safeParse(twilioStatusWord);
    await sql.query({ name: 'send.record-sid', text: RECORD_SID, values: [row.id, sid, parsed.success ? parsed.data : 'queued', new Date(now())] });
    return { outcome: 'sent', providerMessageSid: sid, reason: null };
  };

  return {
    async sendMessage(input: { messageId: string; withinWindow: boolean }): Promise<SendResult> {
      const { rows } = await sql.query<SendRow>({ name: 'send.load', text: LOAD_FOR_SEND, values: [input.messageId] });
      const row = rows[0];
      if (!row || row.direction !== 'outbound') throw ApplicationFailure.nonRetryable(`no outbound message ${input.messageId}`, 'MessageMissing');
      if (row.providerMessageSid) return { outcome: 'already_sent', providerMessageSid: row.providerMessageSid, reason: null };
      if (row.status === 'not_sent' || row.status === 'failed') return { outcome: 'not_sent', providerMessageSid: null, reason: row.errorCode };

      // Only the opt-out confirmation itself may reach someone who said STOP.
      if (row.optedOut && row.source !== 'system') return notSent(row.id, 'opted_out', 'The customer opted out (STOP).');
      // The database, not the workflow's memory, says whether the merchant took over: a takeover whose signal
      // is still on its way (a Temporal blip) already silences the AI here.
      if (row.source === 'ai' && row.aiPaused) {
        if (row.replyToMessageSid) await recordNoReply(deps.prisma, { tenantId: row.tenantId, inboundSids: [row.replyToMessageSid], reason: 'ai_paused' });
        return notSent(row.id, 'ai_paused', 'The merchant took this conversation over before the reply was sent.');
      }
      const useTemplate = !input.withinWindow;
      if (useTemplate && !deps.templateContentSid) {
        return notSent(row.id, 'outside_window', 'The 24-hour WhatsApp window is closed and no approved template (WHATSAPP_TEMPLATE_CONTENT_SID) is configured.');
      }
      const { accountId, subaccountSid, messagingServiceSid } = row;
      if (!accountId || !subaccountSid || !messagingServiceSid || row.accountStatus !== 'connected') {
        return notSent(row.id, 'not_connected', 'WhatsApp is not connected for this merchant.');
      }
      const client = await clientFor({ tenantId: row.tenantId, accountId, subaccountSid });
      const to = outboundAddress(row.channel, row.customerAddress);
      if (row.channel === 'sms' && row.source === 'ai') {
        // SMS is billed per segment: the AI's answer is kept within SMS_REPLY_MAX_SEGMENTS (lib/sms/segments.ts).
        // Stored before any attempt, so what the thread shows (and a look-up compares) is what was sent.
        const fitted = fitSmsToSegments(row.body, deps.smsMaxSegments ?? 3);
        if (fitted !== row.body) {
          await sql.query({ name: 'send.fit-sms', text: 'UPDATE messages SET body = $2 WHERE id = $1 AND provider_message_sid IS NULL AND send_attempted_at IS NULL', values: [row.id, fitted] });
          row.body = fitted;
        }
      }

      if (row.sendAttemptedAt) {
        const attemptedAt = row.sendAttemptedAt.getTime();
        if (now() - attemptedAt < settleMs) {
          throw ApplicationFailure.retryable('The previous send attempt may still be landing at Twilio; checking again shortly.', 'SendSettling');
        }
        const since = attemptedAt - LOOKUP_SKEW_MS;
        let recent;
        try {
          recent = await client.messages.list({ to, limit: 50 });
        } catch (err) {
          const refused = await credentialsRefused(row.id, accountId, err);
          if (refused) return refused;
          throw err;
        }
        for (const m of recent) {
          const matches = m.direction.startsWith('outbound') && m.messagingServiceSid === messagingServiceSid &&
            m.dateCreated.getTime() >= since && (useTemplate || m.body === row.body);
          if (!matches) continue;
          const owner = await sql.query({ name: 'send.sid-owner', text: 'SELECT id FROM messages WHERE provider_message_sid = $1', values: [m.sid] });
          if (owner.rowCount === 0) return recordSid(row, m.sid, m.status);
        }
      }

      const stamped = await sql.query({
        name: 'send.stamp-attempt',
        text: STAMP_ATTEMPT,
        values: [row.id, new Date(now()), useTemplate ? deps.templateContentSid : null],
      });
      if (stamped.rowCount === 0) return { outcome: 'already_sent', providerMessageSid: null, reason: null };

      const statusCallback = `${deps.publicUrl.replace(/\/+$/, '')}/webhooks/twilio/status?m=${encodeURIComponent(row.id)}`;
      let created;
      try {
        created = await client.messages.create({
          messagingServiceSid,
          to,
          statusCallback,
          ...(useTemplate ? { contentSid: deps.templateContentSid! } : { body: row.body }),
        });
      } catch (err) {
        const status = (err as { status?: unknown }).status;
        const code = (err as { code?: unknown }).code;
        const refused = await credentialsRefused(row.id, accountId, err);
        if (refused) return refused;
        // A 4xx (except 429) is Twilio refusing this message: it was not accepted, and will not be on retry.
        if (typeof status === 'number' && status >= 400 && status < 500 && status !== 429) {
          // The merchant sees Twilio's code (which the dashboard explains) and our words, not Twilio's text.
          log.warn('twilio refused a message', { messageId: row.id, code, status, twilioMessage: (err as Error).message });
          // 21610: the customer opted out of this number at the carrier (STOP): recorded as their opt-out, so
          // nothing automated is tried again until they text START.
          if (code === OPTED_OUT_AT_CARRIER) await markOptedOutByCarrier(sql, row.conversationId);
          await settleUnsent(sql, {
            messageId: row.id,
            status: 'failed',
            errorCode: String(code ?? status),
            errorMessage: `Twilio refused this message (code ${String(code ?? status)}).`,
            at: new Date(now()),
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
