import { WorkflowFailedError } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { writeAudit } from '../../lib/audit.js';
import { ONBOARDING_PHASES, ONBOARDING_STEPS, STEP_STATES } from '../../workflows/contracts/onboarding.js';
import { requireAuth, type AuthContext } from '../auth/context.js';
import { temporalLinksFor } from '../auth/operator-links.js';
import { tenantDb } from '../auth/tenant-db.js';
import type { ApiContext } from '../deps.js';
import { HttpError } from '../errors.js';
import type { RouteReply, RouteRequest } from '../routes.js';
import type { RunRef } from '../workflows/runs.js';

const stepSchema = z.object({
  id: z.enum(ONBOARDING_STEPS),
  state: z.enum(STEP_STATES),
  reason: z.string().nullable(),
  attempts: z.number(),
  nextPollAt: z.string().nullable(),
  detail: z.string().nullable(),
});
const onboardingSchema = z.object({
  phase: z.enum(ONBOARDING_PHASES),
  steps: z.array(stepSchema),
  signup: z.object({ mode: z.enum(['embedded', 'manual']), url: z.string().nullable(), subaccountSid: z.string().nullable() }),
  sender: z.object({ sid: z.string(), phoneNumber: z.string(), status: z.string() }).nullable(),
  messagingServiceSid: z.string().nullable(),
  failure: z.object({ step: z.enum(ONBOARDING_STEPS), reason: z.string() }).nullable(),
  startedAt: z.string(),
  updatedAt: z.string(),
});
/** A run of the connection workflow; its Temporal UI link only for operators (null for merchants). */
const runSchema = z.object({ workflowId: z.string(), runId: z.string(), status: z.string(), temporalUiUrl: z.string().nullable() });
export const connectionSchema = z.object({
  status: z.enum(['not_connected', 'connecting', 'waiting_for_sender', 'connected', 'failed', 'disconnected', 'broken']),
  phoneNumber: z.string().nullable(),
  messagingServiceSid: z.string().nullable(),
  subaccountSid: z.string().nullable(),
  connectedAt: z.string().nullable(),
  disconnectedAt: z.string().nullable(),
  lastError: z.string().nullable(),
  /** The latest onboarding run (running or closed), with its live step list when the worker answers. */
  run: runSchema.nullable(),
  onboarding: onboardingSchema.nullable(),
  signup: z.object({ embeddedEnabled: z.boolean() }),
});
export const acceptedSchema = z.object({ run: runSchema });
const e164 = z
  .string()
  .trim()
  .transform((s) => s.replace(/^whatsapp:/i, '').replace(/[\s\-().]/g, ''))
  .pipe(z.string().regex(/^\+[1-9]\d{7,14}$/, 'Enter the number in international format, e.g. +14155550123'));
export const testMessageSchema = z.object({ messageSid: z.string(), status: z.string(), to: z.string() });

export type WhatsAppConnection = z.infer<typeof connectionSchema>;

const readConnection = { schema: { response: { 200: connectionSchema } } };
const action = { schema: { response: { 202: acceptedSchema } } };
const testMessage = { schema: { body: z.object({ to: e164 }), response: { 200: testMessageSchema } } };

/** Run states after which "retry" makes sense. */
const CLOSED_UNSUCCESSFULLY = ['FAILED', 'TIMED_OUT', 'TERMINATED', 'CANCELLED'];

/**
 * The dashboard's WhatsApp connection (prefix /api/whatsapp): read the state (database + the workflow's live
 * step list), start, check now, retry, disconnect, send a test message. Routes never talk to Twilio: the
 * onboarding workflow does.
 */
export function onboardingPlugin(ctx: ApiContext): FastifyPluginAsyncZod {
  const { env, prisma, workflows } = ctx;
  const runView = (request: RouteRequest, run: RunRef) => ({ ...run, temporalUiUrl: temporalLinksFor(request, env).run(run.workflowId, run.runId) });
  const account = (request: RouteRequest) =>
    tenantDb(prisma, request).integrationAccount.findFirst({ where: { channel: 'whatsapp' }, include: { identifiers: true } });
  const audit = (auth: AuthContext, request: RouteRequest, what: string, details: Record<string, string>) =>
    writeAudit(prisma, { tenantId: auth.tenantId, actorUserId: auth.userId, actorType: 'user', action: what, targetType: 'integration', targetId: 'whatsapp', details, ip: request.ip });

  return async (app) => {
    app.get('', readConnection, readWhatsAppConnection);
    app.post('/connect', action, connectWhatsApp);
    app.post('/retry', action, retryWhatsApp);
    app.post('/check-now', action, checkWhatsAppNow);
    app.post('/disconnect', action, disconnectWhatsApp);
    app.post('/test-message', testMessage, sendWhatsAppTestMessage);
  };

  async function readWhatsAppConnection(request: RouteRequest<typeof readConnection.schema>) {
    const auth = requireAuth(request);
    const [row, latest] = await Promise.all([account(request), workflows.onboarding.latest(auth.tenantId)]);
    const onboarding = latest ? await workflows.onboarding.status(latest) : null;
    return {
      status: row?.status ?? 'not_connected',
      phoneNumber: row?.identifiers.find((i) => i.kind === 'whatsapp_number')?.value ?? null,
      messagingServiceSid: row?.messagingServiceSid ?? null,
      subaccountSid: row?.subaccountSid ?? null,
      connectedAt: row?.connectedAt?.toISOString() ?? null,
      disconnectedAt: row?.disconnectedAt?.toISOString() ?? null,
      lastError: row?.lastError ?? null,
      run: latest && runView(request, latest),
      onboarding,
      signup: { embeddedEnabled: env.TWILIO_EMBEDDED_SIGNUP_ENABLED && Boolean(env.TWILIO_EMBEDDED_SIGNUP_BASE_URL) },
    };
  }

  /** Connecting a number (and so sending on the merchant's behalf) needs a proven email address. */
  async function requireVerifiedEmail(auth: AuthContext): Promise<void> {
    const user = await prisma.user.findUniqueOrThrow({ where: { id: auth.userId }, select: { emailVerifiedAt: true } });
    if (user.emailVerifiedAt === null) {
      throw new HttpError(403, 'Confirm your email address first: we sent you a link when you signed up (you can ask for a new one on the dashboard).', 'email_unverified');
    }
  }

  async function connectWhatsApp(request: RouteRequest<typeof action.schema>, reply: RouteReply<typeof action.schema>) {
    const auth = requireAuth(request);
    await requireVerifiedEmail(auth);
    if ((await account(request))?.status === 'connected') {
      throw new HttpError(409, 'WhatsApp is already connected. Disconnect it first to connect another number.', 'already_connected');
    }
    const run = await workflows.onboarding.connect(auth.tenantId);
    await audit(auth, request, 'integration.connect_requested', { workflowId: run.workflowId, runId: run.runId });
    return reply.code(202).send({ run: runView(request, run) });
  }

  async function retryWhatsApp(request: RouteRequest<typeof action.schema>, reply: RouteReply<typeof action.schema>) {
    const auth = requireAuth(request);
    await requireVerifiedEmail(auth);
    const [row, latest] = await Promise.all([account(request), workflows.onboarding.latest(auth.tenantId)]);
    const runFailed = latest !== null && CLOSED_UNSUCCESSFULLY.includes(latest.status);
    if (row?.status !== 'failed' && !runFailed) throw new HttpError(409, 'There is no failed connection attempt to retry.', 'nothing_to_retry');
    if (latest?.status === 'RUNNING') throw new HttpError(409, 'A connection attempt is already running.', 'onboarding_running');
    const run = await workflows.onboarding.connect(auth.tenantId);
    await audit(auth, request, 'integration.retry_requested', { workflowId: run.workflowId, runId: run.runId });
    return reply.code(202).send({ run: runView(request, run) });
  }

  async function checkWhatsAppNow(request: RouteRequest<typeof action.schema>, reply: RouteReply<typeof action.schema>) {
    const auth = requireAuth(request);
    const latest = await workflows.onboarding.latest(auth.tenantId);
    if (latest?.status !== 'RUNNING') throw new HttpError(409, 'No connection attempt is waiting for WhatsApp right now.', 'not_waiting');
    await workflows.onboarding.checkNow(latest);
    return reply.code(202).send({ run: runView(request, latest) });
  }

  async function disconnectWhatsApp(request: RouteRequest<typeof action.schema>, reply: RouteReply<typeof action.schema>) {
    const auth = requireAuth(request);
    const row = await account(request);
    if (!row || row.status === 'not_connected' || row.status === 'disconnected') throw new HttpError(409, 'WhatsApp is not connected.', 'not_connected');
    // One workflow id serialises connect and disconnect for the tenant.
    const run = await workflows.onboarding.disconnect(auth.tenantId);
    await audit(auth, request, 'integration.disconnect_requested', { workflowId: run.workflowId, runId: run.runId });
    return reply.code(202).send({ run: runView(request, run) });
  }

  async function sendWhatsAppTestMessage(request: RouteRequest<typeof testMessage.schema>) {
    const auth = requireAuth(request);
    const row = await account(request);
    if (row?.status !== 'connected' || !row.subaccountSid || !row.messagingServiceSid) {
      throw new HttpError(409, 'Connect WhatsApp before sending a test message.', 'not_connected');
    }
    const to = request.body.to;
    try {
      const sent = await workflows.onboarding.sendTestMessage({
        tenantId: auth.tenantId,
        accountId: row.id,
        subaccountSid: row.subaccountSid,
        messagingServiceSid: row.messagingServiceSid,
        to,
      });
      await audit(auth, request, 'integration.test_message', { to: maskNumber(to), outcome: 'sent', messageSid: sent.messageSid });
      return { ...sent, to };
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw err;
      const reason = innermostMessage(err);
      const timedOut = /timed out/i.test(reason);
      // A test that failed is on the trail too, with why (our message, carrying Twilio's code; never a secret).
      await audit(auth, request, 'integration.test_message', { to: maskNumber(to), outcome: timedOut ? 'timed_out' : 'failed', reason: reason.slice(0, 300) });
      if (timedOut) throw new HttpError(504, 'Sending took too long; try again in a minute.', 'send_timeout');
      throw new HttpError(502, `Twilio did not accept the test message: ${reason}`, 'send_failed');
    }
  }
}

function innermostMessage(err: Error): string {
  let current: Error = err;
  while (current.cause instanceof Error) current = current.cause;
  return current.message;
}

/** Audit rows keep enough of the number to recognise it, not the whole of a customer's number. */
function maskNumber(e164: string): string {
  return e164.length <= 6 ? e164 : `${e164.slice(0, 3)}${'•'.repeat(e164.length - 6)}${e164.slice(-3)}`;
}
