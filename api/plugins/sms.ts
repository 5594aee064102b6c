import { WorkflowFailedError } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUDIT_ACTIONS, writeAudit } from '../../lib/audit.js';
import { isUniqueViolation } from '../../lib/db/sql.js';
import { SMS_NUMBER_PHASES, SMS_STEP_STATES } from '../../workflows/contracts/sms-number.js';
import { requireAuth, type AuthContext } from '../auth/context.js';
import { temporalLinksFor } from '../auth/operator-links.js';
import { tenantDb } from '../auth/tenant-db.js';
import type { ApiContext } from '../deps.js';
import { HttpError, notFound } from '../errors.js';
import type { RouteReply, RouteRequest } from '../routes.js';
import type { RunRef } from '../workflows/runs.js';

const runSchema = z.object({ workflowId: z.string(), runId: z.string(), status: z.string(), temporalUiUrl: z.string().nullable() });
const stepSchema = z.object({
  id: z.enum(['buy', 'attach', 'identifiers', 'release']),
  state: z.enum(SMS_STEP_STATES),
  reason: z.string().nullable(),
  attempts: z.number(),
});
export const smsNumberSchema = z.object({
  id: z.string(),
  phoneNumber: z.string(),
  isoCountry: z.string().nullable(),
  status: z.enum(['buying', 'active', 'releasing', 'released', 'failed']),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  releasedAt: z.string().nullable(),
  /** The number's latest workflow run (buy or release), with its live step list while it runs. */
  run: runSchema.nullable(),
  steps: z.array(stepSchema).nullable(),
  phase: z.enum(SMS_NUMBER_PHASES).nullable(),
});
export const smsOverviewSchema = z.object({
  numbers: z.array(smsNumberSchema),
  /** Whether a number can be added now, and if not why. */
  canAdd: z.boolean(),
  reason: z.string().nullable(),
  /** Broadcast messages per second per SMS number. */
  ratePerSecond: z.number(),
  /** AI replies by SMS are kept within this many segments. */
  replyMaxSegments: z.number(),
});
export const availableSchema = z.object({
  numbers: z.array(
    z.object({
      phoneNumber: z.string(),
      friendlyName: z.string(),
      locality: z.string().nullable(),
      region: z.string().nullable(),
      isoCountry: z.string(),
      type: z.string(),
      capabilities: z.object({ sms: z.boolean(), mms: z.boolean(), voice: z.boolean() }),
    }),
  ),
});

const searchBody = z.object({
  country: z.string().trim().toUpperCase().regex(/^[A-Z]{2}$/, 'A two-letter country code, e.g. US.'),
  areaCode: z.string().trim().regex(/^\d{2,5}$/, 'Digits only, e.g. 415.').optional(),
  contains: z.string().trim().regex(/^[\d*A-Za-z]{1,10}$/, 'Digits, letters or * only.').optional(),
});
const buyBody = z.object({
  phoneNumber: z.string().trim().regex(/^\+[1-9]\d{7,14}$/, 'Pick a number from the search results.'),
  isoCountry: z.string().trim().toUpperCase().regex(/^[A-Z]{2}$/).optional(),
});
const idParams = z.object({ id: z.string().min(1).max(64) });

const readRoute = { schema: { response: { 200: smsOverviewSchema } } };
const searchRoute = { schema: { body: searchBody, response: { 200: availableSchema } } };
const buyRoute = { schema: { body: buyBody, response: { 202: smsNumberSchema } } };
const releaseRoute = { schema: { params: idParams, response: { 202: smsNumberSchema } } };

/**
 * SMS numbers (prefix /api/sms): the tenant's numbers with their workflow's live steps, a search of numbers on
 * sale, buying one (into the tenant's Twilio subaccount, then its Messaging Service) and releasing one. Routes
 * never talk to Twilio: the `sms-number` workflows do.
 */
export function smsPlugin(ctx: ApiContext): FastifyPluginAsyncZod {
  const { env, prisma, workflows } = ctx;

  return async (app) => {
    app.get('', readRoute, readSmsNumbers);
    app.post('/search', searchRoute, searchNumbers);
    app.post('/numbers', buyRoute, buyNumber);
    app.post('/numbers/:id/release', releaseRoute, releaseNumber);
  };

  /** The WhatsApp connection SMS numbers join (its subaccount, key and Messaging Service), or why not yet. */
  async function connection(request: RouteRequest) {
    const account = await tenantDb(prisma, request).integrationAccount.findFirst({ where: { channel: 'whatsapp' } });
    if (account?.status !== 'connected' || !account.subaccountSid || !account.messagingServiceSid) {
      return { account: null, reason: 'Connect WhatsApp first: SMS numbers join the same Twilio account and Messaging Service.' } as const;
    }
    return { account: { ...account, subaccountSid: account.subaccountSid }, reason: null } as const;
  }

  async function view(request: RouteRequest, row: { id: string; phoneNumber: string; isoCountry: string | null; status: string; lastError: string | null; createdAt: Date; releasedAt: Date | null }) {
    const auth = requireAuth(request);
    const latest = await workflows.smsNumbers.latest(auth.tenantId, row.id);
    const live = latest?.status === 'RUNNING' ? await workflows.smsNumbers.status(latest) : null;
    return {
      id: row.id,
      phoneNumber: row.phoneNumber,
      isoCountry: row.isoCountry,
      status: row.status as z.infer<typeof smsNumberSchema>['status'],
      lastError: row.lastError,
      createdAt: row.createdAt.toISOString(),
      releasedAt: row.releasedAt?.toISOString() ?? null,
      run: latest && runView(request, latest),
      steps: live?.steps ?? null,
      phase: live?.phase ?? null,
    };
  }

  function runView(request: RouteRequest, run: RunRef) {
    return { ...run, temporalUiUrl: temporalLinksFor(request, env).run(run.workflowId, run.runId) };
  }

  async function readSmsNumbers(request: RouteRequest<typeof readRoute.schema>) {
    const [rows, conn] = await Promise.all([
      tenantDb(prisma, request).smsNumber.findMany({ where: { NOT: { status: 'released' } }, orderBy: { createdAt: 'asc' } }),
      connection(request),
    ]);
    return {
      numbers: await Promise.all(rows.map((row) => view(request, row))),
      canAdd: conn.account !== null,
      reason: conn.reason,
      ratePerSecond: env.BROADCAST_SMS_RATE_PER_SECOND,
      replyMaxSegments: env.SMS_REPLY_MAX_SEGMENTS,
    };
  }

  async function searchNumbers(request: RouteRequest<typeof searchRoute.schema>) {
    const auth = requireAuth(request);
    const conn = await connection(request);
    if (!conn.account) throw new HttpError(409, conn.reason, 'not_connected');
    try {
      return await workflows.smsNumbers.search({
        tenantId: auth.tenantId,
        accountId: conn.account.id,
        subaccountSid: conn.account.subaccountSid,
        country: request.body.country,
        areaCode: request.body.areaCode,
        contains: request.body.contains,
        limit: 10,
      });
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw err;
      throw new HttpError(502, 'Twilio did not answer the search; try again in a minute.', 'search_failed');
    }
  }

  async function buyNumber(request: RouteRequest<typeof buyRoute.schema>, reply: RouteReply<typeof buyRoute.schema>) {
    const auth = requireAuth(request);
    await requireVerifiedEmail(auth);
    const conn = await connection(request);
    if (!conn.account) throw new HttpError(409, conn.reason, 'not_connected');
    let row;
    try {
      row = await prisma.smsNumber.create({
        data: { tenantId: auth.tenantId, accountId: conn.account.id, phoneNumber: request.body.phoneNumber, isoCountry: request.body.isoCountry ?? null },
      });
    } catch (err) {
      // The partial unique index: the number is held (or being bought) by someone, maybe this very tenant.
      if (isUniqueViolation(err)) throw new HttpError(409, 'That number is already taken; search again and pick another.', 'number_taken');
      throw err;
    }
    const run = await workflows.smsNumbers.start(auth.tenantId, row.id, 'buy');
    await prisma.smsNumber.update({ where: { id: row.id }, data: { workflowId: run.workflowId } });
    await writeAudit(prisma, {
      tenantId: auth.tenantId,
      actorUserId: auth.userId,
      actorType: 'user',
      action: AUDIT_ACTIONS.sms.numberRequested,
      targetType: 'sms_number',
      targetId: row.id,
      details: { phoneNumber: row.phoneNumber, workflowId: run.workflowId },
      ip: request.ip,
    });
    return reply.code(202).send(await view(request, row));
  }

  async function releaseNumber(request: RouteRequest<typeof releaseRoute.schema>, reply: RouteReply<typeof releaseRoute.schema>) {
    const auth = requireAuth(request);
    const row = await tenantDb(prisma, request).smsNumber.findFirst({ where: { id: request.params.id } });
    if (!row) throw notFound('SMS number');
    const latest = await workflows.smsNumbers.latest(auth.tenantId, row.id);
    if (latest?.status === 'RUNNING') throw new HttpError(409, 'This number is still being set up or released; wait for it to finish.', 'number_busy');
    if (row.status === 'released' || (row.status === 'failed' && !row.phoneNumberSid)) throw new HttpError(409, 'This number is not held any more.', 'not_held');
    await prisma.smsNumber.update({ where: { id: row.id }, data: { status: 'releasing' } });
    const run = await workflows.smsNumbers.start(auth.tenantId, row.id, 'release');
    await writeAudit(prisma, {
      tenantId: auth.tenantId,
      actorUserId: auth.userId,
      actorType: 'user',
      action: AUDIT_ACTIONS.sms.releaseRequested,
      targetType: 'sms_number',
      targetId: row.id,
      details: { phoneNumber: row.phoneNumber, workflowId: run.workflowId },
      ip: request.ip,
    });
    return reply.code(202).send(await view(request, { ...row, status: 'releasing' }));
  }

  /** Buying a number spends the merchant's money: a proven email address first, as for connecting WhatsApp. */
  async function requireVerifiedEmail(auth: AuthContext): Promise<void> {
    const user = await prisma.user.findUniqueOrThrow({ where: { id: auth.userId }, select: { emailVerifiedAt: true } });
    if (user.emailVerifiedAt === null) {
      throw new HttpError(403, 'Confirm your email address first: we sent you a link when you signed up (you can ask for a new one on the dashboard).', 'email_unverified');
    }
  }
}
