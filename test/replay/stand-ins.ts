// Stand-ins for every activity the worker registers, for recording histories (scripts/record-histories.ts).
// Replay never runs activities, so what matters is that each returns what the real one would (same shapes,
// realistic ids) and that a scenario can script the branch it wants: a sender that comes online on the
// third poll, a component that is down once, OpenAI failing. Deterministic: ids derive from their labels.
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { DraftedReply } from '../../activities/openai.js';
import type { SendResult } from '../../activities/twilio-messaging.js';
import type { WhatsAppSender } from '../../activities/twilio-provisioning.js';
import type { ComponentState } from '../../lib/health/types.js';
import type { createActivities } from '../../worker/activities.js';
import type { ReplyInput } from '../../workflows/contracts/reply.js';
import type { BillingSnapshot } from '../../lib/billing/plans.js';
import type { BatchReport } from '../../activities/twilio-broadcasts.js';

/** Exactly what the worker registers: an activity added there without a stand-in here fails `tsc`. */
export type WorkerActivities = ReturnType<typeof createActivities>;

/** A Twilio-style sid (`SM…`, `AC…`, 32 hex digits) or a cuid-like row id, stable for a given label. */
export const sid = (prefix: string, label: string) => prefix + createHash('sha256').update(label).digest('hex').slice(0, 32);
export const rowId = (label: string) => 'c' + createHash('sha256').update(label).digest('hex').slice(0, 24);

/** What a scenario decides about the outside world. Reset before each scenario. */
export interface Script {
  /** OpenAI's draft for a turn; throwing is OpenAI failing. */
  draft(input: ReplyInput): DraftedReply;
  /** Twilio's answer to a send; throwing is Twilio failing. */
  send(input: { messageId: string; withinWindow: boolean }): SendResult;
  /** Successive answers to the sender poll; the last one repeats. */
  senders: WhatsAppSender[][];
  /** Successive probe results per component (missing or used up: up). */
  probes: Record<string, ComponentState[]>;
  stagedRows: number;
  /** Successive answers to the billing sync (Stripe's state applied); the last one repeats. */
  billing: BillingSnapshot[];
  /** Successive answers to reading the billing rows (no Stripe); the last one repeats. */
  billingRows: BillingSnapshot[];
  /** The catalog slice starting at this row fails for good (staging lost). */
  failSliceAt: number | null;
  /** Successive broadcast batch reports (missing fields: a clean batch of nothing); the last one repeats. `tookMs`: the batch takes that long (real time). */
  broadcastBatches: Array<Partial<BatchReport> & { tookMs?: number }>;
  /** Recipients the broadcast's audience freezes to. */
  broadcastRecipients: number;
  /** SMS numbers a disconnect finds held. */
  heldSmsNumbers: number;
  /** Analytics refresh chunks that find a full chunk (a backlog) before one catches up. */
  analyticsBacklogChunks: number;
  /** Creating the Stripe customer fails this many times (Stripe unreachable past the activity's retries) before it works. */
  customerFailures: number;
}

export function defaultScript(): Script {
  return {
    draft: (input) => ({ messageId: rowId(`reply:${input.inboundSids.at(-1)}`), send: true, reason: null }),
    send: (input) => ({ outcome: 'sent', providerMessageSid: sid('SM', `sent:${input.messageId}`), reason: null }),
    senders: [[]],
    probes: {},
    stagedRows: 0,
    failSliceAt: null,
    broadcastBatches: [{ processed: 10, calls: 10, sent: 10, done: true }],
    broadcastRecipients: 10,
    heldSmsNumbers: 0,
    analyticsBacklogChunks: 0,
    customerFailures: 0,
    billing: [{ plan: 'trial', subscription: null, pausedReason: null, graceEndsAt: null, openInvoiceUrl: null }],
    billingRows: [{ plan: 'trial', subscription: null, pausedReason: null, graceEndsAt: null, openInvoiceUrl: null }],
  };
}

export interface StandIns {
  activities: WorkerActivities;
  /** Activity names in call order since the last `reset`: how the recorder knows a step has happened. */
  calls: string[];
  script: Script;
  reset(script?: Partial<Script>): void;
}

export function createStandIns(): StandIns {
  const state: StandIns = {
    activities: undefined as unknown as WorkerActivities, // assigned below; it closes over `state`
    calls: [],
    script: defaultScript(),
    reset(script = {}) {
      state.calls.length = 0;
      state.script = { ...defaultScript(), ...script };
    },
  };
  const called = (name: keyof WorkerActivities) => void state.calls.push(name);

  state.activities = {
    // accounts, email, alerts
    async markTrialExpired() {
      called('markTrialExpired');
      return { expired: true };
    },
    async sendEmail() {
      called('sendEmail');
      return { status: 'captured' };
    },
    async sendVerificationEmail() {
      called('sendVerificationEmail');
      return { status: 'captured' };
    },
    async sendAlert() {
      called('sendAlert');
      return { delivered: true, channels: ['log'] };
    },

    // health
    async listHealthComponents() {
      called('listHealthComponents');
      return ['database', 'temporal', 'twilio', 'openai'];
    },
    async probeComponent(name) {
      called('probeComponent');
      const status = state.script.probes[name]?.shift() ?? 'up';
      return { name, status, latencyMs: status === 'down' ? null : 12, detail: status === 'down' ? 'connect ECONNREFUSED 127.0.0.1:5433' : null };
    },
    async recordHealthCheckStarted() {
      called('recordHealthCheckStarted');
    },
    async recordHealthCheckFinished() {
      called('recordHealthCheckFinished');
    },
    async writeHealthTextfile() {
      called('writeHealthTextfile');
      return { path: null };
    },

    // catalog
    async countStagedCatalogRows() {
      called('countStagedCatalogRows');
      return state.script.stagedRows;
    },
    async applyCatalogImportSlice({ importId, from, to }) {
      called('applyCatalogImportSlice');
      if (state.script.failSliceAt === from) {
        throw ApplicationFailure.nonRetryable(`the uploaded rows of import ${importId} are no longer staged (database restart?); upload the file again`, 'CatalogStagingLost');
      }
      return { rowsDone: to, rowsTotal: state.script.stagedRows };
    },
    async completeCatalogImport({ importId }) {
      called('completeCatalogImport');
      const rows = state.script.stagedRows;
      return {
        id: importId, uploadId: rowId(`upload:${importId}`), fileName: 'products.csv', format: 'csv', encoding: 'utf-8',
        status: 'completed', rowsTotal: rows, rowsDone: rows, created: rows - 120, updated: 100, unchanged: 20, rejected: 0,
        error: null, workflowId: null, createdAt: '2025-01-06T09:00:00.000Z', startedAt: '2025-01-06T09:00:01.000Z', finishedAt: '2025-01-06T09:01:30.000Z',
      };
    },
    async failCatalogImport() {
      called('failCatalogImport');
    },

    // WhatsApp connection (database side)
    async beginWhatsAppConnection({ tenantId }) {
      called('beginWhatsAppConnection');
      return { accountId: rowId(`account:${tenantId}`) };
    },
    async recordSubaccount() {
      called('recordSubaccount');
    },
    async recordWaitingForSender() {
      called('recordWaitingForSender');
    },
    async recordWhatsAppConnected() {
      called('recordWhatsAppConnected');
    },
    async recordOnboardingFailed() {
      called('recordOnboardingFailed');
    },
    async findWhatsAppConnection({ tenantId }) {
      called('findWhatsAppConnection');
      return { accountId: rowId(`account:${tenantId}`), subaccountSid: sid('AC', `subaccount:${tenantId}`) };
    },
    async recordWhatsAppDisconnected() {
      called('recordWhatsAppDisconnected');
    },

    // WhatsApp connection (Twilio side)
    async ensureSubaccount({ tenantId }) {
      called('ensureSubaccount');
      return { subaccountSid: sid('AC', `subaccount:${tenantId}`), created: true };
    },
    async ensureApiKey({ subaccountSid }) {
      called('ensureApiKey');
      return { apiKeySid: sid('SK', `key:${subaccountSid}`), created: true };
    },
    async listWhatsAppSenders() {
      called('listWhatsAppSenders');
      const answers = state.script.senders;
      return { senders: (answers.length > 1 ? answers.shift() : answers[0]) ?? [] };
    },
    async ensureMessagingService({ subaccountSid }) {
      called('ensureMessagingService');
      return { messagingServiceSid: sid('MG', `service:${subaccountSid}`), created: true };
    },
    async attachSender() {
      called('attachSender');
      return { alreadyAttached: false };
    },
    async revokeApiKey({ subaccountSid }) {
      called('revokeApiKey');
      return { revoked: [sid('SK', `key:${subaccountSid}`)] };
    },
    async sendTestMessage({ reference }) {
      called('sendTestMessage');
      return { messageSid: sid('SM', `test:${reference}`), status: 'queued' };
    },

    // conversations and replies
    async draftReply(input) {
      called('draftReply');
      return state.script.draft(input);
    },
    async sendMessage(input) {
      called('sendMessage');
      return state.script.send(input);
    },
    async draftTestReply(input) {
      called('draftTestReply');
      return {
        body: `The Blue Cotton T-Shirt (SKU TS-001) costs 19.90 USD.`, outcome: 'answer', handoff: null, away: null, language: 'en', answerLanguage: 'en', intent: 'question',
        check: { verdict: 'passed', problems: [] }, sources: { products: [{ sku: 'TS-001', name: 'Blue Cotton T-Shirt', price: '19.90', currency: 'USD' }], knowledge: [] },
        agentVersion: 1, tokens: { prompt: 120 + input.message.length, completion: 14 }, latencyMs: 180,
      };
    },
    async handOffToMerchant() {
      called('handOffToMerchant');
      return { notified: 1 };
    },
    async recordFallbackReply(input) {
      called('recordFallbackReply');
      return { messageId: rowId(`reply:${input.inboundSids.at(-1)}`), send: true, reason: null };
    },
    async recordOptOutChange({ inboundSid, optedOut }) {
      called('recordOptOutChange');
      return { messageId: rowId(`${optedOut ? 'stop' : 'start'}-confirmation:${inboundSid}`) };
    },
    async recordNoReply() {
      called('recordNoReply');
    },
    async recordSendGaveUp() {
      called('recordSendGaveUp');
    },

    // billing (Stripe side and our rows)
    async ensureStripeCustomer({ tenantId }) {
      called('ensureStripeCustomer');
      // Failing for good at once: what the workflow sees after the real activity's retries ran out.
      if (state.script.customerFailures-- > 0) throw ApplicationFailure.nonRetryable('Stripe could not be reached', 'StripeUnreachable');
      return { customerId: `cus_${sid('', `customer:${tenantId}`).slice(0, 14)}` };
    },
    async ensureStripeCatalog() {
      called('ensureStripeCatalog');
      return { prices: 3, created: 0 };
    },
    async syncSubscription() {
      called('syncSubscription');
      const answers = state.script.billing;
      return (answers.length > 1 ? answers.shift() : answers[0])!;
    },
    async createBillingSession(input) {
      called('createBillingSession');
      return { url: `https://checkout.stripe.com/c/pay/cs_test_${sid('', `${input.kind}:${input.requestId}`)}` };
    },
    async reportUsage() {
      called('reportUsage');
      return { reported: 3, duplicates: 0, dropped: 0, failed: 0 };
    },
    async loadBillingSnapshot() {
      called('loadBillingSnapshot');
      const answers = state.script.billingRows;
      return (answers.length > 1 ? answers.shift() : answers[0])!;
    },
    async startGracePeriod({ endsAt }) {
      called('startGracePeriod');
      return { graceEndsAt: endsAt };
    },
    async pauseRepliesForPayment() {
      called('pauseRepliesForPayment');
      return { paused: true };
    },
    async recordReplyLimitReached() {
      called('recordReplyLimitReached');
      return { planName: 'Starter' };
    },

    // SMS numbers and broadcasts (issue 16)
    async loadSmsNumber({ tenantId, numberId }) {
      called('loadSmsNumber');
      return {
        tenantId, accountId: rowId(`account:${tenantId}`), subaccountSid: sid('AC', `subaccount:${tenantId}`),
        messagingServiceSid: sid('MG', `service:${tenantId}`), numberId, phoneNumber: '+14155550100', phoneNumberSid: null, status: 'buying',
      };
    },
    async recordSmsNumberBought() {
      called('recordSmsNumberBought');
    },
    async recordSmsNumberActive() {
      called('recordSmsNumberActive');
    },
    async recordSmsNumberFailed() {
      called('recordSmsNumberFailed');
    },
    async recordSmsNumberReleased() {
      called('recordSmsNumberReleased');
    },
    async listHeldSmsNumbers({ tenantId }) {
      called('listHeldSmsNumbers');
      return Array.from({ length: state.script.heldSmsNumbers }, (_, i) => ({ numberId: rowId(`sms:${tenantId}:${i}`), phoneNumberSid: sid('PN', `sms:${tenantId}:${i}`) }));
    },
    async searchAvailableNumbers({ country }) {
      called('searchAvailableNumbers');
      return {
        numbers: [{ phoneNumber: '+14155550100', friendlyName: '(415) 555-0100', locality: 'San Francisco', region: 'CA', isoCountry: country, type: 'local', capabilities: { sms: true, mms: true, voice: true } }],
      };
    },
    async buyNumber({ phoneNumber }) {
      called('buyNumber');
      return { phoneNumberSid: sid('PN', `number:${phoneNumber}`), alreadyOwned: false };
    },
    async attachNumberToService() {
      called('attachNumberToService');
      return { alreadyAttached: false };
    },
    async releaseNumber() {
      called('releaseNumber');
      return { released: true };
    },
    async startBroadcast() {
      called('startBroadcast');
      return { total: state.script.broadcastRecipients, blocked: null, fatal: null };
    },
    async recordBroadcastPhase() {
      called('recordBroadcastPhase');
    },
    async finishBroadcast() {
      called('finishBroadcast');
    },
    async listApprovedTemplates() {
      called('listApprovedTemplates');
      return { templates: [{ contentSid: sid('HX', 'template:spring-sale'), friendlyName: 'spring_sale', language: 'en', body: 'Hi {{1}}, our spring sale starts today!', placeholders: ['1'], approval: 'approved' }] };
    },
    async sendBroadcastBatch({ recheckAfterSeq }) {
      called('sendBroadcastBatch');
      const answers = state.script.broadcastBatches;
      const { tookMs, ...next } = (answers.length > 1 ? answers.shift() : answers[0]) ?? {};
      if (tookMs) await new Promise((resolve) => setTimeout(resolve, tookMs));
      return { processed: 0, calls: 0, sent: 0, failed: 0, skipped: 0, done: false, throttled: null, blocked: null, fatal: null, maxSeq: recheckAfterSeq, ...next };
    },

    // analytics
    async refreshAnalyticsChunk() {
      called('refreshAnalyticsChunk');
      const backlog = state.script.analyticsBacklogChunks-- > 0;
      return { events: backlog ? 50_000 : 137, caughtUp: !backlog, countedThrough: backlog ? null : '2025-01-06T09:00:00.000Z', ms: backlog ? 2_400 : 18 };
    },
    async rebuildAnalytics({ tenantId }) {
      called('rebuildAnalytics');
      return { tenantId, events: 1_000_000, rows: 412_000, keptBefore: null, ms: 9_800 };
    },
  } satisfies WorkerActivities;
  return state;
}
