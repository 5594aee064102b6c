import { randomUUID } from 'node:crypto';
import {
  WorkflowFailedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { writeAudit } from '../../lib/audit.js';
import { temporalUiRunUrl, workflowIds } from '../../lib/temporal/names.js';
import { onboardingStatus, type OnboardingInput, type whatsappOnboardingWorkflow, type whatsappTestMessageWorkflow } from '../../workflows/onboarding.js';
import { ONBOARDING_STEPS, type OnboardingStatus } from '../../workflows/onboarding-status.js';
import { requireAuth, type AuthContext } from '../auth/context.js';
import { tenantDb } from '../auth/tenant-db.js';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../errors.js';

const stepSchema = z.object({
  id: z.enum(ONBOARDING_STEPS),
  state: z.enum(['pending', 'running', 'waiting', 'done', 'failed']),
  reason: z.string().nullable(),
  attempts: z.number(),
  nextPollAt: z.string().nullable(),
  detail: z.string().nullable(),
});
const onboardingSchema = z.object({
  phase: z.enum(['connecting', 'waiting_for_sender', 'connected', 'failed', 'disconnecting', 'disconnected']),
  steps: z.array(stepSchema),
  signup: z.object({ mode: z.enum(['embedded', 'manual']), url: z.string().nullable(), subaccountSid: z.string().nullable() }),
  sender: z.object({ sid: z.string(), phoneNumber: z.string(), status: z.string() }).nullable(),
  messagingServiceSid: z.string().nullable(),
  failure: z.object({ step: z.enum(ONBOARDING_STEPS), reason: z.string() }).nullable(),
  startedAt: z.string(),
  updatedAt: z.string(),
});
const runSchema = z.object({ workflowId: z.string(), runId: z.string(), status: z.string(), temporalUiUrl: z.string() });
const connectionSchema = z.object({
  status: z.enum(['not_connected', 'connecting', 'waiting_for_sender', 'connected', 'failed', 'disconnected']),
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
const acceptedSchema = z.object({ run: runSchema });
const e164 = z
  .string()
  .trim()
  .transform((s) => s.replace(/^whatsapp:/i, '').replace(/[\s\-().]/g, ''))
  .pipe(z.string().regex(/^\+[1-9]\d{7,14}$/, 'Enter the number in international format, e.g. +14155550123'));
const testMessageBody = z.object({ to: e164 });
const testMessageSchema = z.object({ messageSid: z.string(), status: z.string(), to: z.string() });

export type WhatsAppConnection = z.infer<typeof connectionSchema>;

/** How long a status read waits for the worker to answer the query before showing the database view only. */
const QUERY_DEADLINE_MS = 2_000;
const TEST_MESSAGE_TIMEOUT = '30 seconds';

/**
 * The dashboard's WhatsApp connection: read the state (database + the workflow's live step list), start,
 * check now, retry, disconnect, send a test message. Routes never talk to Twilio: the workflow does.
 */
export function onboardingPlugin(deps: ApiDeps): FastifyPluginAsyncZod {
  const { env, temporal } = deps;
  const workflowIdOf = (tenantId: string) => workflowIds.onboarding(tenantId);
  const runView = (workflowId: string, runId: string, status: string) => ({
    workflowId,
    runId,
    status,
    temporalUiUrl: temporalUiRunUrl(env.TEMPORAL_UI_URL, env.TEMPORAL_NAMESPACE, workflowId, runId),
  });
  const onboardingInput = (tenantId: string, intent: OnboardingInput['intent']): OnboardingInput => ({
    tenantId,
    intent,
    signup: { enabled: env.TWILIO_EMBEDDED_SIGNUP_ENABLED, baseUrl: env.TWILIO_EMBEDDED_SIGNUP_BASE_URL ?? null },
  });

  const account = (request: Parameters<typeof tenantDb>[1]) =>
    tenantDb(deps.prisma, request).integrationAccount.findFirst({ where: { channel: 'whatsapp' }, include: { identifiers: true } });

  const start = async (auth: AuthContext, action: string, ip: string) => {
    const workflowId = workflowIdOf(auth.tenantId);
    // A double click while a run is open answers with that run instead of an error.
    const handle = await temporal.workflow.start<typeof whatsappOnboardingWorkflow>('whatsappOnboardingWorkflow', {
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      workflowId,
      args: [onboardingInput(auth.tenantId, 'connect')],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
    await audit(auth, action, ip, { workflowId, runId: handle.firstExecutionRunId });
    return { run: runView(workflowId, handle.firstExecutionRunId, 'RUNNING') };
  };

  const audit = (auth: AuthContext, action: string, ip: string, details: Record<string, string>) =>
    writeAudit(deps.prisma, {
      tenantId: auth.tenantId,
      actorUserId: auth.userId,
      actorType: 'user',
      action,
      targetType: 'integration',
      targetId: 'whatsapp',
      details,
      ip,
    });

  return async (app) => {
    app.get('/api/whatsapp', { schema: { response: { 200: connectionSchema } } }, async (request) => {
      const auth = requireAuth(request);
      const [row, latest] = await Promise.all([account(request), latestRun(temporal, workflowIdOf(auth.tenantId))]);
      const onboarding = latest ? await queryStatus(temporal, latest.workflowId, latest.runId) : null;
      return {
        status: row?.status ?? 'not_connected',
        phoneNumber: row?.identifiers.find((i) => i.kind === 'whatsapp_number')?.value ?? null,
        messagingServiceSid: row?.messagingServiceSid ?? null,
        subaccountSid: row?.subaccountSid ?? null,
        connectedAt: row?.connectedAt?.toISOString() ?? null,
        disconnectedAt: row?.disconnectedAt?.toISOString() ?? null,
        lastError: row?.lastError ?? null,
        run: latest && runView(latest.workflowId, latest.runId, latest.status),
        onboarding,
        signup: { embeddedEnabled: env.TWILIO_EMBEDDED_SIGNUP_ENABLED && Boolean(env.TWILIO_EMBEDDED_SIGNUP_BASE_URL) },
      };
    });

    app.post('/api/whatsapp/connect', { schema: { response: { 202: acceptedSchema } } }, async (request, reply) => {
      const auth = requireAuth(request);
      if ((await account(request))?.status === 'connected') {
        throw new HttpError(409, 'WhatsApp is already connected. Disconnect it first to connect another number.', 'already_connected');
      }
      return reply.code(202).send(await start(auth, 'integration.connect_requested', request.ip));
    });

    app.post('/api/whatsapp/retry', { schema: { response: { 202: acceptedSchema } } }, async (request, reply) => {
      const auth = requireAuth(request);
      const [row, latest] = await Promise.all([account(request), latestRun(temporal, workflowIdOf(auth.tenantId))]);
      const runFailed = latest !== null && ['FAILED', 'TIMED_OUT', 'TERMINATED', 'CANCELLED'].includes(latest.status);
      if (row?.status !== 'failed' && !runFailed) {
        throw new HttpError(409, 'There is no failed connection attempt to retry.', 'nothing_to_retry');
      }
      if (latest?.status === 'RUNNING') throw new HttpError(409, 'A connection attempt is already running.', 'onboarding_running');
      return reply.code(202).send(await start(auth, 'integration.retry_requested', request.ip));
    });

    app.post('/api/whatsapp/check-now', { schema: { response: { 202: acceptedSchema } } }, async (request, reply) => {
      const auth = requireAuth(request);
      const latest = await latestRun(temporal, workflowIdOf(auth.tenantId));
      if (latest?.status !== 'RUNNING') throw new HttpError(409, 'No connection attempt is waiting for WhatsApp right now.', 'not_waiting');
      await temporal.workflow.getHandle(latest.workflowId, latest.runId).signal('checkNow');
      return reply.code(202).send({ run: runView(latest.workflowId, latest.runId, latest.status) });
    });

    app.post('/api/whatsapp/disconnect', { schema: { response: { 202: acceptedSchema } } }, async (request, reply) => {
      const auth = requireAuth(request);
      const row = await account(request);
      if (!row || row.status === 'not_connected' || row.status === 'disconnected') {
        throw new HttpError(409, 'WhatsApp is not connected.', 'not_connected');
      }
      // Signal-with-start: an open run unwinds itself; otherwise a fresh run does only the unwind. Either way
      // one workflow id serialises connect and disconnect for the tenant.
      const workflowId = workflowIdOf(auth.tenantId);
      const handle = await temporal.workflow.signalWithStart<typeof whatsappOnboardingWorkflow, []>('whatsappOnboardingWorkflow', {
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        workflowId,
        args: [onboardingInput(auth.tenantId, 'disconnect')],
        signal: 'disconnect',
        signalArgs: [],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
      await audit(auth, 'integration.disconnect_requested', request.ip, { workflowId, runId: handle.signaledRunId });
      return reply.code(202).send({ run: runView(workflowId, handle.signaledRunId, 'RUNNING') });
    });

    app.post(
      '/api/whatsapp/test-message',
      { schema: { body: testMessageBody, response: { 200: testMessageSchema } } },
      async (request) => {
        const auth = requireAuth(request);
        const row = await account(request);
        if (row?.status !== 'connected' || !row.subaccountSid || !row.messagingServiceSid) {
          throw new HttpError(409, 'Connect WhatsApp before sending a test message.', 'not_connected');
        }
        const requestId = randomUUID();
        const input = {
          tenantId: auth.tenantId,
          accountId: row.id,
          subaccountSid: row.subaccountSid,
          messagingServiceSid: row.messagingServiceSid,
          to: request.body.to,
          reference: requestId.slice(0, 8),
        };
        try {
          const sent = await temporal.workflow.execute<typeof whatsappTestMessageWorkflow>('whatsappTestMessageWorkflow', {
            taskQueue: env.TEMPORAL_TASK_QUEUE,
            workflowId: workflowIds.whatsappTestMessage(auth.tenantId, requestId),
            args: [input],
            workflowExecutionTimeout: TEST_MESSAGE_TIMEOUT,
          });
          await audit(auth, 'integration.test_message', request.ip, { to: maskNumber(input.to), messageSid: sent.messageSid });
          return { ...sent, to: input.to };
        } catch (err) {
          if (!(err instanceof WorkflowFailedError)) throw err;
          const reason = innermostMessage(err);
          if (/timed out/i.test(reason)) throw new HttpError(504, 'Sending took too long; try again in a minute.', 'send_timeout');
          throw new HttpError(502, `Twilio did not accept the test message: ${reason}`, 'send_failed');
        }
      },
    );
  };
}

async function latestRun(temporal: Client, workflowId: string): Promise<{ workflowId: string; runId: string; status: string } | null> {
  try {
    const d = await temporal.workflow.getHandle(workflowId).describe();
    return { workflowId, runId: d.runId, status: d.status.name };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

/** The live step list; null when no worker answers in time (the page then shows the database view). */
async function queryStatus(temporal: Client, workflowId: string, runId: string): Promise<OnboardingStatus | null> {
  try {
    return await temporal.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
      temporal.workflow.getHandle(workflowId, runId).query(onboardingStatus),
    );
  } catch {
    return null;
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
