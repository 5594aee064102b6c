import nodemailer from 'nodemailer';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { alertChannelsFromEnv } from '../../lib/alerts/channels.js';
import { prismaAlertStore } from '../../lib/alerts/store.js';
import { sendTestAlert } from '../../lib/alerts/test-alert.js';
import { AUDIT_ACTIONS, writeAudit } from '../../lib/audit.js';
import { temporaryCredentialsAllowed } from '../../lib/config/ops.js';
import { DELAYED_AFTER_SECONDS, readBacklogByShop } from '../../lib/conversations/reply-backlog.js';
import { sqlPool } from '../../lib/db/sql.js';
import { CREDENTIAL_PROVIDERS, type CredentialCheckResult } from '../../lib/credentials/checks.js';
import {
  configuredCredentials,
  temporaryCredentialsSchema,
  testConfiguredCredentials,
  testTemporaryCredentials,
  testTenantTwilio,
} from '../../lib/credentials/suite.js';
import { requireOperator, type AuthContext } from '../auth/context.js';
import { backlogSchema } from './conversations.js';
import type { ApiContext } from '../deps.js';
import { HttpError, notFound } from '../errors.js';
import type { RouteRequest } from '../routes.js';
import { auditRoutes } from './audit.js';

export const credentialResultSchema = z.object({
  provider: z.enum(CREDENTIAL_PROVIDERS),
  target: z.string(),
  status: z.enum(['ok', 'failed', 'not_configured']),
  latencyMs: z.number().nullable(),
  reason: z.string().nullable(),
});
export const credentialResultsSchema = z.object({ results: z.array(credentialResultSchema), testedAt: z.string() });
export const credentialsOverviewSchema = z.object({
  providers: z.array(z.object({ provider: z.enum(CREDENTIAL_PROVIDERS), configured: z.boolean(), target: z.string() })),
  /** Typed-in credentials may be tested (dev/staging only). */
  allowTemporary: z.boolean(),
});
export const opsTenantsSchema = z.object({
  tenants: z.array(z.object({ id: z.string(), name: z.string(), slug: z.string(), status: z.string(), whatsapp: z.string().nullable() })),
});
const alertSchema = z.object({
  id: z.string(),
  severity: z.string(),
  title: z.string(),
  channels: z.array(z.string()),
  deliveredAt: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
});
export const alertsSchema = z.object({ alerts: z.array(alertSchema), channels: z.array(z.string()) });
/** Every shop's backlog as the merchant's own dashboard reads it (`backlogSchema`), and the totals. */
export const replyBacklogSchema = z.object({
  shops: z.array(backlogSchema.extend({ tenantId: z.string(), tenantName: z.string() })),
  totals: backlogSchema.omit({ delayed: true }).extend({ shopsDelayed: z.number().int().nonnegative() }),
  delayedAfterSeconds: z.number().int(),
});
export const testAlertSchema = z.object({
  alert: alertSchema,
  channels: z.array(z.object({ channel: z.string(), status: z.enum(['sent', 'failed']), latencyMs: z.number(), reason: z.string().nullable() })),
});

const listTenants = { schema: { querystring: z.object({ q: z.string().trim().max(100).optional() }), response: { 200: opsTenantsSchema } } };
const readCredentials = { schema: { response: { 200: credentialsOverviewSchema } } };
const testConfigured = { schema: { body: z.object({ providers: z.array(z.enum(CREDENTIAL_PROVIDERS)).min(1).optional() }), response: { 200: credentialResultsSchema } } };
const testTenant = { schema: { body: z.object({ tenantId: z.string().min(1).max(64) }), response: { 200: credentialResultsSchema } } };
const testTemporary = { schema: { body: temporaryCredentialsSchema, response: { 200: credentialResultsSchema } } };
const listAlerts = { schema: { response: { 200: alertsSchema } } };
const testAlert = { schema: { response: { 200: testAlertSchema } } };
const replyBacklog = { schema: { response: { 200: replyBacklogSchema } } };

/**
 * The operators' API (prefix /api/ops): every tenant's audit trail, credential tests, test alerts, the shops
 * whose AI replies are running late. Every
 * route here is for platform staff only: the hook answers 401 / 403 before any handler or validation runs,
 * so a route added here later is covered too.
 */
export function opsPlugin(ctx: ApiContext): FastifyPluginAsyncZod {
  const { env, prisma, credentials } = ctx;
  const mailer = env.SMTP_URL ? nodemailer.createTransport(env.SMTP_URL) : null;
  const channels = alertChannelsFromEnv(env, mailer);
  const alertStore = prismaAlertStore(prisma);

  return async (app) => {
    app.addHook('onRequest', async (request) => void requireOperator(request));
    await app.register(auditRoutes(ctx, 'operator'), { prefix: '/audit' });
    app.get('/tenants', listTenants, listTenantsForOperators);
    app.get('/credentials', readCredentials, describeCredentials);
    app.post('/credentials/test', testConfigured, testCredentials);
    app.post('/credentials/test-tenant', testTenant, testTenantCredentials);
    app.post('/credentials/test-temporary', testTemporary, testTypedInCredentials);
    app.get('/alerts', listAlerts, listRecentAlerts);
    app.post('/alerts/test', testAlert, sendOperatorTestAlert);
    app.get('/reply-backlog', replyBacklog, async () => ({ ...(await readBacklogByShop(sqlPool(prisma))), delayedAfterSeconds: DELAYED_AFTER_SECONDS }));
  };

  async function listTenantsForOperators(request: RouteRequest<typeof listTenants.schema>) {
    const q = request.query.q;
    const rows = await prisma.tenant.findMany({
      where: q ? { OR: [{ name: { contains: q, mode: 'insensitive' } }, { slug: { contains: q } }, { id: q }] } : {},
      orderBy: { name: 'asc' },
      take: 200,
      include: { integrationAccounts: { where: { channel: 'whatsapp' }, select: { status: true } } },
    });
    return { tenants: rows.map((t) => ({ id: t.id, name: t.name, slug: t.slug, status: t.status, whatsapp: t.integrationAccounts[0]?.status ?? null })) };
  }

  async function describeCredentials() {
    return { providers: configuredCredentials(env), allowTemporary: temporaryCredentialsAllowed(env) };
  }

  async function testCredentials(request: RouteRequest<typeof testConfigured.schema>) {
    const results = await testConfiguredCredentials(env, request.body.providers ?? CREDENTIAL_PROVIDERS);
    await recordTests(request, results, { temporary: false, tenantId: null });
    return { results, testedAt: new Date().toISOString() };
  }

  async function testTenantCredentials(request: RouteRequest<typeof testTenant.schema>) {
    const result = await testTenantTwilio(prisma, credentials, env, request.body.tenantId);
    if (!result) throw notFound('Tenant');
    await recordTests(request, [result], { temporary: false, tenantId: request.body.tenantId });
    return { results: [result], testedAt: new Date().toISOString() };
  }

  /** Typed-in credentials: used for this one call, never stored, logged or sent back (only the outcome is). */
  async function testTypedInCredentials(request: RouteRequest<typeof testTemporary.schema>) {
    if (!temporaryCredentialsAllowed(env)) {
      throw new HttpError(403, 'Testing typed-in credentials is switched off here (ALLOW_TEMPORARY_CREDENTIALS; never in production).', 'temporary_credentials_off');
    }
    const result = await testTemporaryCredentials(env, request.body);
    await recordTests(request, [result], { temporary: true, tenantId: null });
    return { results: [result], testedAt: new Date().toISOString() };
  }

  async function listRecentAlerts() {
    const alerts = await prisma.alert.findMany({ orderBy: { createdAt: 'desc' }, take: 20 });
    return { alerts: alerts.map(toAlert), channels: channels.map((c) => c.name) };
  }

  async function sendOperatorTestAlert(request: RouteRequest<typeof testAlert.schema>) {
    const auth = requireOperator(request);
    const sent = await sendTestAlert({ channels, store: alertStore }, `operator ${auth.email} (dashboard)`);
    if (sent.channels.length === 0) request.log.info({ alert: sent.alert.title }, 'test alert: no channel configured, recorded only');
    await writeAudit(prisma, {
      tenantId: null,
      actorUserId: auth.userId,
      actorType: 'operator',
      action: AUDIT_ACTIONS.ops.alertTested,
      targetType: 'alert',
      targetId: sent.alert.dedupeKey,
      details: { channels: sent.channels.map((c) => ({ channel: c.channel, status: c.status, latencyMs: c.latencyMs })) },
      ip: request.ip,
    });
    const row = await prisma.alert.findUniqueOrThrow({ where: { dedupeKey: sent.alert.dedupeKey } });
    return { alert: toAlert(row), channels: sent.channels };
  }

  /** One audit entry per provider tested: outcome and timing, never the credential. */
  async function recordTests(request: RouteRequest, results: CredentialCheckResult[], context: { temporary: boolean; tenantId: string | null }) {
    const auth: AuthContext = requireOperator(request);
    for (const r of results) {
      await writeAudit(prisma, {
        tenantId: context.tenantId,
        actorUserId: auth.userId,
        actorType: 'operator',
        action: AUDIT_ACTIONS.ops.credentialsTested,
        targetType: 'provider',
        targetId: r.provider,
        details: { target: r.target, status: r.status, latencyMs: r.latencyMs, temporary: context.temporary, via: 'dashboard' },
        ip: request.ip,
      });
    }
  }
}

function toAlert(a: { id: string; severity: string; title: string; channels: string[]; deliveredAt: Date | null; error: string | null; createdAt: Date }) {
  return {
    id: a.id,
    severity: a.severity,
    title: a.title,
    channels: a.channels,
    deliveredAt: a.deliveredAt?.toISOString() ?? null,
    error: a.error,
    createdAt: a.createdAt.toISOString(),
  };
}
