// Broadcast sending, exactly once per recipient, at a given rate. One call sends one batch (about a second of
// sending at the broadcast's rate), spaced evenly in time, a few Twilio calls in flight at once. The rule is the
// reply path's (activities/twilio-messaging.ts), in bulk:
//  - each recipient's message row is written before any send (its id derives from the recipient row, unique on
//    (broadcast, customer)), so a retried batch finds it;
//  - the attempt is stamped on the row BEFORE Twilio is called (only where no attempt is stamped yet), the
//    status callback URL carries the row id (`?m=`), and the sid is recorded when Twilio answers;
//  - a row stamped but without a sid (a crash, a timeout) is left alone until that attempt cannot still be in
//    flight, then looked up at Twilio: found → recorded, not found → it never landed, so sending now is the first.
// Twilio's "slow down" (429 / 20429, 63018) ends the batch early and tells the workflow to back off for as long
// as Twilio's Retry-After says; a 429'd send was not accepted, so its stamp is lifted and it goes first in the
// next batch. The pace is the broadcast's, not the batch's: lib/broadcasts/pacing.ts.
import { Context, log } from '@temporalio/activity';
import { AUDIT_ACTIONS, writeAudit } from '../lib/audit.js';
import { readReplyAccess } from '../lib/billing/reply-access.js';
import { markOptedOutByCarrier } from '../lib/broadcasts/consent.js';
import { placeholdersOf, renderSms, renderTemplate, templateValues, variablesSchema, type Variables } from '../lib/broadcasts/message.js';
import { maxPerSecond, SendPacer } from '../lib/broadcasts/pacing.js';
import {
  claimRecipients,
  clearAttempt,
  nextRecipients,
  recordFailed,
  recordSent,
  remainingRecipients,
  requeueRateLimited,
  skipRecipients,
  stampAttempts,
  messageIdFor,
  type ClaimedRecipient,
  type FailedItem,
  type SentItem,
} from '../lib/broadcasts/recipients.js';
import { retryAfterOf, surfaceRetryAfter } from '../lib/broadcasts/retry-after.js';
import { outboundAddress, type Channel } from '../lib/conversations/addresses.js';
import { twilioStatus } from '../lib/conversations/status.js';
import { TtlCache } from '../lib/conversations/ttl-cache.js';
import type { TenantCredentials } from '../lib/crypto/tenant-credentials.js';
import type { PrismaClient } from '../lib/db/client.js';
import { sqlPool } from '../lib/db/sql.js';
import type { TwilioClient } from '../lib/twilio/client.js';
import type { BatchResult, TemplateList } from '../workflows/contracts/broadcast.js';
import { translateTwilioError } from './twilio-provisioning.js';

export interface TwilioBroadcastDeps {
  prisma: PrismaClient;
  credentials: TenantCredentials | null;
  connect: (credentials: { accountSid: string; apiKey: string; apiSecret: string }) => TwilioClient;
  publicUrl: string;
  /** Longer than the Twilio client's request timeout: after it, an unanswered attempt has landed or never will. */
  settleMs?: number;
  /** Twilio calls in flight at once within a batch (default: half a second's worth, 16 to 256). */
  concurrency?: number;
  now?: () => number;
  /** The pacing clock (monotonic ms; default performance.now). */
  pacingClock?: () => number;
}

export interface BatchInput {
  tenantId: string;
  broadcastId: string;
  /** Recipients to handle in this batch. */
  limit: number;
  /** Sends are spaced 1/rate seconds apart. */
  ratePerSecond: number;
  /** Recently sent recipients (seq above this) whose message WhatsApp failed with 63018 are sent again. */
  recheckAfterSeq: number;
  /**
   * How far behind the broadcast's timeline this batch starts (the workflow keeps one timeline for the whole
   * broadcast): its sends win that back at up to CATCH_UP × the rate, and what is left carries to the next batch.
   */
  lateMs?: number;
}

/** How one batch kept to the broadcast's timeline (the bench prints these; the workflow does not read them). */
export interface BatchTiming {
  /** From the activity's start to its first send: the billing gate, set-up, recipients, the first claim and stamp. */
  setupMs: number;
  /** Behind the timeline as the workflow scheduled it, at the first send, at the worst, and at the last send. */
  behindAtStartMs: number;
  behindAtFirstMs: number;
  maxBehindMs: number;
  behindAtEndMs: number;
  /** First send to last send. */
  sendSpanMs: number;
  /** Last send to the report: the last answers and writes. */
  tailMs: number;
  /** Sends Twilio refused with 429 / 20429. */
  refused: number;
  /** The most sends this batch made in any sliding second. */
  maxPerSecond: number;
}

export interface BatchReport extends BatchResult {
  /** The highest recipient seq this batch handled (the workflow's 63018 re-check window follows it). */
  maxSeq: number;
  timing?: BatchTiming;
}

interface BroadcastSetup {
  tenantId: string;
  channel: Channel;
  contentSid: string | null;
  variables: Variables;
  body: string;
  accountId: string | null;
  subaccountSid: string | null;
  messagingServiceSid: string | null;
  accountStatus: string | null;
  smsNumbers: number;
}

const LOAD_SETUP = `
  SELECT b.tenant_id AS "tenantId", b.channel::text AS channel, b.content_sid AS "contentSid", b.content_variables AS variables,
         coalesce(b.body, '') AS body, a.id AS "accountId", a.subaccount_sid AS "subaccountSid",
         a.messaging_service_sid AS "messagingServiceSid", a.status::text AS "accountStatus",
         (SELECT count(*)::int FROM sms_numbers n WHERE n.tenant_id = b.tenant_id AND n.status = 'active') AS "smsNumbers"
  FROM broadcasts b
  LEFT JOIN integration_accounts a ON a.tenant_id = b.tenant_id AND a.channel = 'whatsapp'
  WHERE b.id = $1 AND b.tenant_id = $2`;

/** Codes that mean "slow down" rather than "this message is wrong". */
const THROTTLE_CODES = new Set([20429, 63018]);
const AUTH_FAILURE_CODES = new Set([20003, 20005]);
/** Twilio's Advanced Opt-Out: the customer texted STOP to this sender. */
const OPTED_OUT_AT_CARRIER = 21610;
const LOOKUP_SKEW_MS = 2 * 60_000;
/** A message failed for 63018 is tried this many times in all. */
const MAX_ATTEMPTS = 3;
const FLUSH_EVERY_MS = 250;
/** Groups claimed and stamped ahead of the one being sent (each a tenth of a second's sends): a slow write does not stall the pace. */
const PREPARE_AHEAD = 3;
/** Sends in flight at once, at most (the worker's Twilio client keeps as many connections: worker/activities.ts). */
export const MAX_IN_FLIGHT = 256;

export function createTwilioBroadcastActivities(deps: TwilioBroadcastDeps) {
  const pool = sqlPool(deps.prisma);
  const now = deps.now ?? Date.now;
  const clock = deps.pacingClock ?? (() => performance.now());
  const settleMs = deps.settleMs ?? 20_000;
  // Enough sends in flight for the rate at Twilio's latency (a create answers in ~100-250 ms, more when Twilio
  // or the machine is slow): half a second's worth, so 500 msg/s keeps 250 open. The pacing, not this, sets the rate.
  const concurrencyFor = (rate: number) => deps.concurrency ?? Math.min(MAX_IN_FLIGHT, Math.max(16, Math.ceil(rate / 2)));
  const setups = new TtlCache<string, BroadcastSetup>(30_000);
  const clients = new TtlCache<string, TwilioClient>(5 * 60_000);
  // Each broadcast's pacer outlives its batch on this worker, so the sliding-second cap spans batch boundaries.
  const pacers = new TtlCache<string, SendPacer>(60_000, 1_000, clock);

  const loadSetup = async (tenantId: string, broadcastId: string): Promise<BroadcastSetup | null> => {
    const cached = setups.get(broadcastId);
    if (cached) return cached;
    const { rows } = await pool.query<BroadcastSetup & { variables: unknown }>({ name: 'broadcast.setup', text: LOAD_SETUP, values: [broadcastId, tenantId] });
    const row = rows[0];
    if (!row) return null;
    const setup = { ...row, variables: variablesSchema.catch({}).parse(row.variables ?? {}) };
    setups.set(broadcastId, setup);
    return setup;
  };

  const clientFor = async (setup: { tenantId: string; accountId: string; subaccountSid: string }): Promise<TwilioClient> => {
    const cached = clients.get(setup.accountId);
    if (cached) return cached;
    if (!deps.credentials) throw new Error('SECRETS_ENCRYPTION_KEYS is not configured');
    const key = await deps.credentials.loadApiKey({ tenantId: setup.tenantId, accountId: setup.accountId });
    if (!key) throw new Error('No API key is stored for this Twilio account');
    const client = surfaceRetryAfter(deps.connect({ accountSid: setup.subaccountSid, apiKey: key.sid, apiSecret: key.secret }));
    clients.set(setup.accountId, client);
    return client;
  };

  return {
    /** The tenant's WhatsApp templates Meta approved: the compose form offers these (Content API). */
    async listApprovedTemplates({ tenantId }: { tenantId: string }): Promise<TemplateList> {
      const { rows } = await pool.query<{ accountId: string; subaccountSid: string | null; status: string }>({
        name: 'broadcast.template-account',
        text: `SELECT id AS "accountId", subaccount_sid AS "subaccountSid", status::text AS status
               FROM integration_accounts WHERE tenant_id = $1 AND channel = 'whatsapp'`,
        values: [tenantId],
      });
      const account = rows[0];
      if (!account?.subaccountSid || account.status !== 'connected') return { templates: [] };
      try {
        const client = await clientFor({ tenantId, accountId: account.accountId, subaccountSid: account.subaccountSid });
        const contents = await client.content.v1.contentAndApprovals.list({ limit: 200 });
        return {
          templates: contents.flatMap((c) => {
            const approval = String((c.approvalRequests as { status?: unknown } | null)?.status ?? 'unsubmitted');
            const body = templateBody(c.types);
            if (approval !== 'approved' || body === null) return [];
            return [{ contentSid: c.sid, friendlyName: c.friendlyName, language: c.language, body, placeholders: placeholdersOf(body), approval }];
          }),
        };
      } catch (err) {
        throw translateTwilioError(err, 'list the WhatsApp templates');
      }
    },

    async sendBroadcastBatch(input: BatchInput): Promise<BatchReport> {
      const beat = heartbeater();
      try {
        return await sendBatch(input, beat);
      } finally {
        beat.stop();
      }
    },
  };

  async function sendBatch(input: BatchInput, beat: Heartbeater): Promise<BatchReport> {
    const startedAt = clock();
    const report: BatchReport = { processed: 0, calls: 0, sent: 0, failed: 0, skipped: 0, done: false, throttled: null, blocked: null, fatal: null, maxSeq: input.recheckAfterSeq };
    // The billing gate, every batch: a trial that ends mid-broadcast pauses it at the next batch.
    const access = await readReplyAccess(deps.prisma, input.tenantId);
    if (!access.decision.allowed) return { ...report, blocked: { reason: access.decision.reason, message: access.decision.message } };

    const setup = await loadSetup(input.tenantId, input.broadcastId);
    if (!setup) return { ...report, fatal: 'The broadcast no longer exists.' };
    const { accountId, subaccountSid, messagingServiceSid } = setup;
    if (!accountId || !subaccountSid || !messagingServiceSid || setup.accountStatus !== 'connected') {
      return { ...report, fatal: 'WhatsApp is not connected, so nothing can be sent. Reconnect it, then send the broadcast again.' };
    }
    if (setup.channel === 'sms' && setup.smsNumbers === 0) return { ...report, fatal: 'There is no SMS number to send from. Add one, then send the broadcast again.' };
    const client = await clientFor({ ...setup, accountId, subaccountSid });

    const requeued = await requeueRateLimited(pool, { broadcastId: input.broadcastId, afterSeq: input.recheckAfterSeq, maxAttempts: MAX_ATTEMPTS });
    if (requeued > 0) report.throttled = { retryAfterMs: 1_000, code: '63018' };

    const rows = await nextRecipients(pool, input.broadcastId, input.limit);
    report.maxSeq = Math.max(input.recheckAfterSeq, ...rows.map((r) => r.seq));
    const skipped: Array<{ recipientId: string; messageId: string | null; code: string; reason: string }> = [];
    const sent: SentItem[] = [];
    const failed: FailedItem[] = [];
    const toClaim: ClaimedRecipient[] = [];
    const toSend: Array<{ row: ClaimedRecipient; messageId: string; body: string }> = [];
    let uncertain = 0;

    for (const row of rows) {
      if (row.status === 'sending' && row.messageId && row.providerMessageSid) {
        sent.push({ recipientId: row.id, messageId: row.messageId, sid: row.providerMessageSid, status: row.messageStatus ?? 'queued' });
      } else if (row.optedOut) {
        skipped.push({ recipientId: row.id, messageId: row.messageId, code: 'opted_out', reason: 'The customer opted out before their turn came.' });
      } else if (row.status === 'pending' || !row.messageId) {
        toClaim.push(row);
      } else if (row.sendAttemptedAt) {
        // Stamped, no sid: an earlier attempt may have reached Twilio. Wait until it cannot still land, then look.
        if (now() - row.sendAttemptedAt.getTime() < settleMs) uncertain += 1;
        else {
          const found = await lookUp(client, setup, messagingServiceSid, row);
          if (found) sent.push({ recipientId: row.id, messageId: row.messageId, sid: found.sid, status: found.status });
          else {
            await clearAttempt(pool, row.messageId);
            toSend.push({ row, messageId: row.messageId, body: row.messageBody ?? '' });
          }
        }
      } else {
        toSend.push({ row, messageId: row.messageId, body: row.messageBody ?? '' });
      }
    }

    // Claimed just ahead of sending, a group at a time (the first before any send, the next few while the one
    // before them is sent), so writing a few thousand message rows never stalls the pace.
    type Item = { row: ClaimedRecipient; messageId: string; body: string; claimed: boolean };
    const items: Item[] = [
      ...toSend.map((i) => ({ ...i, claimed: true })),
      ...toClaim.map((row) => ({ row, messageId: messageIdFor(row.id, row.attempts), body: bodyFor(setup, row), claimed: false })),
    ].sort((a, b) => a.row.seq - b.row.seq);
    const groupSize = Math.max(1, Math.min(50, Math.round(input.ratePerSecond / 10)));
    const groups: Item[][] = [];
    for (let g = 0; g < items.length; g += groupSize) groups.push(items.slice(g, g + groupSize));
    const claims = new Map<number, Promise<void>>();
    const claim = (g: number): Promise<void> => {
      let pending = claims.get(g);
      if (!pending) {
        const unclaimed = (groups[g] ?? []).filter((i) => !i.claimed);
        pending = claimRecipients(pool, {
          tenantId: input.tenantId,
          broadcastId: input.broadcastId,
          contentSid: setup.channel === 'whatsapp' ? setup.contentSid : null,
          messages: unclaimed.map((i) => ({ recipientId: i.row.id, messageId: i.messageId, conversationId: i.row.conversationId, body: i.body })),
        });
        claims.set(g, pending);
        pending.catch(() => undefined); // awaited where it is used
      }
      return pending;
    };

    // What Twilio answered is recorded every few hundred ms (one statement each), not only at the end: a crash
    // leaves little to look up, and the last write after the last send is short.
    let flushing: Promise<void> = Promise.resolve();
    let flushedSent = 0;
    let flushedFailed = 0;
    const flush = () => {
      const sentNow = sent.slice(flushedSent);
      const failedNow = failed.slice(flushedFailed);
      flushedSent = sent.length;
      flushedFailed = failed.length;
      if (sentNow.length === 0 && failedNow.length === 0) return flushing;
      flushing = flushing.then(async () => {
        await recordSent(pool, sentNow.map((x) => ({ ...x, status: twilioStatus.safeParse(x.status).data ?? 'queued' })));
        await recordFailed(pool, failedNow);
      });
      return flushing;
    };

    // The broadcast's timeline, not the batch's: this batch's first send was due `lateMs` ago (the workflow
    // keeps the line across batches), and the pacer wins lost time back at most CATCH_UP × the rate in any
    // second. Its sliding-second cap carries over from this broadcast's previous batch on this worker.
    const concurrency = concurrencyFor(input.ratePerSecond);
    let pacer = pacers.get(input.broadcastId);
    if (!pacer || pacer.ratePerSecond !== input.ratePerSecond) pacer = new SendPacer(input.ratePerSecond);
    pacers.set(input.broadcastId, pacer);
    const lateMs = Math.max(0, input.lateMs ?? 0);
    // The line is the workflow's: this activity's own set-up (the gate, the recipients, the first claim) is
    // time behind it too, won back by this batch's sends rather than left to the next batch.
    pacer.startBatch(startedAt, lateMs);
    const launches: number[] = [];
    let behindAtFirst = 0;
    let maxBehind = 0;
    let behindAtEnd = 0;
    let refused429 = 0;
    const inFlight = new Set<Promise<void>>();
    const refused: Item[] = [];
    let lastGroup = -1;
    let lastFlush = now();
    let stop = false;
    const statusCallback = (messageId: string) => `${deps.publicUrl.replace(/\/+$/, '')}/webhooks/twilio/status?m=${encodeURIComponent(messageId)}`;

    const sendOne = async (item: Item): Promise<void> => {
      const { row, messageId } = item;
      try {
        const to = outboundAddress(setup.channel, row.customerAddress);
        const message = await client.messages.create({
          messagingServiceSid,
          to,
          statusCallback: statusCallback(messageId),
          ...(setup.channel === 'whatsapp'
            ? { contentSid: setup.contentSid!, contentVariables: JSON.stringify(templateValues(setup.variables, { firstName: row.firstName, profileName: null })) }
            : { body: item.body }),
        });
        sent.push({ recipientId: row.id, messageId, sid: message.sid, status: message.status });
      } catch (err) {
        const status = (err as { status?: unknown }).status;
        const code = (err as { code?: unknown }).code;
        const numeric = typeof code === 'number' ? code : null;
        if (status === 429 || (numeric !== null && THROTTLE_CODES.has(numeric))) {
          // Refused, not accepted: lift the stamp so the next batch sends it first, without a look-up. The
          // workflow waits as long as Twilio's Retry-After asks (the longest, if several sends were refused).
          await clearAttempt(pool, messageId);
          refused429 += 1;
          const retryAfterMs = retryAfterOf(err);
          if (!report.throttled || report.throttled.code === '63018' || report.throttled.retryAfterMs < retryAfterMs) {
            report.throttled = { retryAfterMs, code: String(numeric ?? status) };
          }
          stop = true;
        } else if (status === 401 || (numeric !== null && AUTH_FAILURE_CODES.has(numeric))) {
          await clearAttempt(pool, messageId);
          report.fatal = `Twilio refused this account's credentials (code ${String(numeric ?? status)}). Reconnect WhatsApp, then send the broadcast again.`;
          stop = true;
        } else if (typeof status === 'number' && status >= 400 && status < 500) {
          const codeText = String(numeric ?? status);
          if (numeric === OPTED_OUT_AT_CARRIER) {
            await optedOutAtCarrier(row.conversationId, input.broadcastId);
            failed.push({ recipientId: row.id, messageId, code: codeText, reason: 'The customer opted out of this number (STOP).', as: 'skipped' });
          } else {
            log.warn('twilio refused a broadcast message', { messageId, code: codeText, twilioMessage: (err as Error).message });
            failed.push({ recipientId: row.id, messageId, code: codeText, reason: `Twilio refused this message (code ${codeText}).`, as: 'failed' });
          }
        } else {
          // 5xx, a timeout, the network: Twilio may or may not have it. The stamp stays; after the settle time
          // the next batch looks it up. Twilio is struggling: back off like for a 429 (its Retry-After, if any).
          log.warn('broadcast send outcome unknown', { messageId, status, code, error: (err as Error).message });
          report.throttled ??= { retryAfterMs: retryAfterOf(err, 2_000), code: typeof status === 'number' ? String(status) : 'network' };
          stop = true;
        }
      }
    };

    // A group is claimed and stamped while the groups before it are being sent (a few tenths of a second's
    // worth ahead), so neither write stalls the pace; a STOP that lands mid-batch is seen at a later group's stamp.
    const stamps = new Map<number, Promise<Set<string>>>();
    const prepare = (g: number): Promise<Set<string>> => {
      let pending = stamps.get(g);
      if (!pending) {
        pending = claim(g).then(() => stampAttempts(pool, groups[g]!.map((i) => i.messageId), new Date(now())));
        stamps.set(g, pending);
        pending.catch(() => undefined); // awaited where it is used
      }
      return pending;
    };
    for (let g = 0; g < groups.length && !stop && !beat.cancelled; g++) {
      const group = groups[g]!;
      const stamped = await prepare(g);
      lastGroup = g;
      for (let ahead = g + 1; ahead <= g + PREPARE_AHEAD && ahead < groups.length; ahead++) void prepare(ahead);
      const launched = new Set<string>();
      for (const item of group) {
        if (stop || beat.cancelled) break;
        if (!stamped.has(item.messageId)) {
          refused.push(item); // opted out since (settled below), or another attempt owns it
          continue;
        }
        for (let wait = pacer.delay(clock()); wait > 0; wait = pacer.delay(clock())) await sleep(wait);
        while (inFlight.size >= concurrency) await Promise.race(inFlight);
        if (stop || beat.cancelled) break;
        const t = clock();
        const behind = pacer.behind(t);
        if (launches.length === 0) behindAtFirst = behind;
        maxBehind = Math.max(maxBehind, behind);
        behindAtEnd = behind;
        pacer.sent(t);
        launches.push(t);
        launched.add(item.messageId);
        report.calls += 1;
        const p = sendOne(item).finally(() => inFlight.delete(p));
        inFlight.add(p);
        beat.tick();
        if (now() - lastFlush >= FLUSH_EVERY_MS) {
          lastFlush = now();
          void flush();
        }
      }
      // Stamped but never handed to Twilio (a 429 or a pause stopped the group): no look-up needed for these.
      for (const id of stamped) if (!launched.has(id)) await clearAttempt(pool, id);
    }
    await Promise.all(inFlight);
    await Promise.allSettled(claims.values());
    // A group stamped ahead but never reached (a 429 or a pause stopped the batch): never handed to Twilio.
    for (const [g, pending] of stamps) {
      if (g <= lastGroup) continue;
      for (const id of await pending.catch(() => new Set<string>())) await clearAttempt(pool, id);
    }

    // A stamp refused because the customer opted out mid-batch: skipped, never sent. Any other refusal belongs
    // to an attempt still in flight elsewhere; a later batch settles it.
    if (refused.length > 0) {
      const optedOut = await optedOutAmong(refused.map((i) => i.row.conversationId));
      for (const item of refused) {
        if (optedOut.has(item.row.conversationId)) {
          skipped.push({ recipientId: item.row.id, messageId: item.messageId, code: 'opted_out', reason: 'The customer opted out before their turn came.' });
        } else uncertain += 1;
      }
    }
    await flush();
    await skipRecipients(pool, skipped);

    report.sent = sent.length;
    report.failed = failed.filter((f) => f.as === 'failed').length;
    report.skipped = skipped.length + failed.filter((f) => f.as === 'skipped').length;
    report.processed = report.sent + report.failed + report.skipped;
    report.done = !report.fatal && (await remainingRecipients(pool, input.broadcastId)) === 0;
    if (uncertain > 0 && report.processed === 0 && !report.throttled) {
      // Only sends waiting to settle: come back after a pause instead of spinning.
      report.throttled = { retryAfterMs: Math.min(settleMs, 5_000), code: 'settling' };
    }
    const ended = clock();
    const round = (ms: number) => Math.round(ms);
    report.timing = {
      setupMs: round((launches[0] ?? ended) - startedAt),
      behindAtStartMs: round(lateMs),
      behindAtFirstMs: round(behindAtFirst),
      maxBehindMs: round(maxBehind),
      behindAtEndMs: round(behindAtEnd),
      sendSpanMs: round(launches.length > 0 ? launches.at(-1)! - launches[0]! : 0),
      tailMs: round(ended - (launches.at(-1) ?? ended)),
      refused: refused429,
      maxPerSecond: maxPerSecond(launches),
    };
    return report;
  }

  /** The message an earlier attempt may have sent: to this customer, from this service, since the attempt, unowned. */
  async function lookUp(client: TwilioClient, setup: BroadcastSetup, messagingServiceSid: string, row: ClaimedRecipient): Promise<{ sid: string; status: string } | null> {
    const since = row.sendAttemptedAt!.getTime() - LOOKUP_SKEW_MS;
    const recent = await client.messages.list({ to: outboundAddress(setup.channel, row.customerAddress), limit: 50 });
    for (const m of recent) {
      const matches = m.direction.startsWith('outbound') && m.messagingServiceSid === messagingServiceSid && m.dateCreated.getTime() >= since &&
        (setup.channel === 'whatsapp' || m.body === row.messageBody);
      if (!matches) continue;
      const owner = await pool.query({ name: 'broadcast.sid-owner', text: 'SELECT id FROM messages WHERE provider_message_sid = $1', values: [m.sid] });
      if (owner.rowCount === 0) return { sid: m.sid, status: m.status };
    }
    return null;
  }

  async function optedOutAmong(conversationIds: string[]): Promise<Set<string>> {
    const { rows } = await pool.query<{ id: string }>({
      name: 'broadcast.opted-out-among',
      text: 'SELECT id FROM conversations WHERE id = ANY($1::text[]) AND opted_out',
      values: [conversationIds],
    });
    return new Set(rows.map((r) => r.id));
  }

  async function optedOutAtCarrier(conversationId: string, broadcastId: string): Promise<void> {
    const { changed, tenantId } = await markOptedOutByCarrier(pool, conversationId);
    if (!changed || !tenantId) return;
    await writeAudit(deps.prisma, {
      tenantId,
      actorType: 'workflow',
      workflowId: safeWorkflowId(),
      action: AUDIT_ACTIONS.customers.optedOutByCarrier,
      targetType: 'conversation',
      targetId: conversationId,
      details: { twilioCode: OPTED_OUT_AT_CARRIER, broadcastId },
    });
  }
}

export type TwilioBroadcastActivities = ReturnType<typeof createTwilioBroadcastActivities>;

/** The text our record of the message holds: the SMS as sent, or the template as Twilio will render it. */
function bodyFor(setup: BroadcastSetup, row: ClaimedRecipient): string {
  const recipient = { firstName: row.firstName, profileName: null };
  return setup.channel === 'sms' ? renderSms(setup.body, recipient) : renderTemplate(setup.body, templateValues(setup.variables, recipient));
}

/** The text of a Content template (every type we can send carries a `body`). */
function templateBody(types: Record<string, object>): string | null {
  for (const value of Object.values(types ?? {})) {
    const body = (value as { body?: unknown }).body;
    if (typeof body === 'string' && body.trim() !== '') return body;
  }
  return null;
}

interface Heartbeater {
  readonly cancelled: boolean;
  tick(): void;
  stop(): void;
}

/**
 * Heartbeats at most once a second (and on a timer while waiting), so a dead worker's batch is retried within
 * the heartbeat timeout, and so a pause or cancel (the workflow cancels the batch) is seen between two sends.
 */
function heartbeater(): Heartbeater {
  let context: Context | null = null;
  try {
    context = Context.current();
  } catch {
    context = null;
  }
  let last = 0;
  const beat = () => {
    if (!context || context.info.isLocal) return;
    last = Date.now();
    context.heartbeat();
  };
  beat();
  const timer = setInterval(beat, 1_000);
  return {
    get cancelled() {
      return context?.cancellationSignal.aborted ?? false;
    },
    tick() {
      if (Date.now() - last >= 1_000) beat();
    },
    stop() {
      clearInterval(timer);
    },
  };
}

function safeWorkflowId(): string | null {
  try {
    return Context.current().info.workflowExecution?.workflowId ?? null;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
