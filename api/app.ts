import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiContext, ApiDeps } from './deps.js';
import { SESSION_IDLE_MS, sessionHook } from './auth/context.js';
import { purgeEndedSessions } from '../lib/auth/session-purge.js';
import { EmailVerifier } from '../lib/auth/email-verification.js';
import { originCheck } from './auth/origin-check.js';
import { errorHandler } from './errors.js';
import { refuseUnstorableText } from './text-guard.js';
import { createMetrics } from './metrics.js';
import { registerAnalyticsMetrics } from './analytics-metrics.js';
import { registerReplyBacklogMetrics } from './reply-backlog-metrics.js';
import { addSecurityHeaders } from './security-headers.js';
import { analyticsPlugin, opsAnalyticsPlugin } from './plugins/analytics.js';
import { agentPlugin } from './plugins/agent.js';
import { auditPlugin } from './plugins/audit.js';
import { authPlugin } from './plugins/auth.js';
import { billingPlugin } from './plugins/billing.js';
import { broadcastsPlugin } from './plugins/broadcasts.js';
import { customersPlugin } from './plugins/customers.js';
import { dashboardPlugin } from './plugins/dashboard.js';
import { googleAuthPlugin } from './plugins/google-auth.js';
import { catalogPlugin } from './plugins/catalog.js';
import { conversationsPlugin } from './plugins/conversations.js';
import { healthPlugin } from './plugins/health.js';
import { onboardingPlugin } from './plugins/onboarding.js';
import { opsPlugin } from './plugins/ops.js';
import { smsPlugin } from './plugins/sms.js';
import { statusPlugin } from './plugins/status.js';
import { stripeWebhooksPlugin } from './plugins/stripe-webhooks.js';
import { webhooksPlugin } from './plugins/webhooks.js';
import { loggerOptions } from '../lib/logging.js';
import { tenantCredentialsFromKeys } from '../lib/crypto/tenant-credentials.js';
import { createWorkflowClient } from './workflows/client.js';
import { createBillingRelay } from './webhooks/billing-relay.js';
import { createInboundRelay, relayLimits } from './webhooks/inbound-relay.js';
import { createThreadedRelay } from './webhooks/threaded-relay.js';
import { sqlPool } from '../lib/db/sql.js';

declare module 'fastify' {
  interface FastifyInstance {
    routeList: ReadonlyArray<{ method: string; url: string }>;
  }
}

export interface BuildApiOptions {
  /** Tests silence the request log; production keeps it (secrets are redacted). */
  logger?: boolean;
}

/** Builds the Fastify app with every plugin; `main.ts` listens, tests call `inject` or listen on port 0. */
export async function buildApi(deps: ApiDeps, options: BuildApiOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger === false ? false : loggerOptions(deps.env.LOG_LEVEL),
    // Only configured peers (the dashboard's proxy, a load balancer) may state the client's address: with
    // `true`, any client could pick its own X-Forwarded-For and dodge per-address limits.
    trustProxy: trustedProxies(deps.env.TRUST_PROXY),
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}` });
  });

  // Every route as registered, for the tenant-isolation test that must cover new routes automatically.
  const routes: Array<{ method: string; url: string }> = [];
  app.decorate('routeList', routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });

  const metrics = createMetrics();
  registerAnalyticsMetrics(metrics.registry, sqlPool(deps.prisma));
  registerReplyBacklogMetrics(metrics.registry, sqlPool(deps.prisma));
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  // Security headers on every answer (errors and 404s included). The API serves JSON, TwiML, CSV
  // downloads and redirects: nothing here may load anything, run anything or be framed.
  addSecurityHeaders(app, {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    xFrameOptions: { action: 'deny' },
    strictTransportSecurity: new URL(deps.env.SERVER_PUBLIC_URL).protocol === 'https:' ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
  await app.register(formbody);
  await app.register(cookie);
  app.decorateRequest('auth', null);
  app.addHook('onRequest', originCheck(deps.env));
  app.addHook('onRequest', sessionHook(deps.prisma));
  // Text Postgres cannot store (NUL, lone surrogates) is a 400 before any handler runs: see text-guard.ts.
  app.addHook('preValidation', refuseUnstorableText);

  const workflows = createWorkflowClient(deps.temporal, deps.env);
  // One relay for every signal the API owes a conversation workflow: started when the app is ready (it
  // sweeps what a previous process left), drained when it closes.
  const relay = deps.env.RELAY_THREAD
    ? createThreadedRelay(deps.env, app.log)
    : createInboundRelay({
        pool: sqlPool(deps.prisma),
        conversations: workflows.conversations,
        ...relayLimits(deps.env),
        log: app.log,
      });
  app.addHook('onReady', async () => relay.start());
  app.addHook('onClose', async () => relay.close());
  // The billing workflows' relay (Stripe events, limit notices): few signals, so it stays on this thread.
  const billingRelay = createBillingRelay({ pool: sqlPool(deps.prisma), billing: workflows.billing, log: app.log });
  app.addHook('onReady', async () => billingRelay.start());
  app.addHook('onClose', async () => billingRelay.close());
  // Housekeeping any instance may do, idempotently: ended sessions go (hourly, and once at start).
  const purge = () => void purgeEndedSessions(deps.prisma, SESSION_IDLE_MS).catch((err: unknown) => app.log.warn({ err }, 'session purge failed'));
  const purger = setInterval(purge, 60 * 60_000);
  purger.unref();
  app.addHook('onReady', async () => purge());
  app.addHook('onClose', async () => clearInterval(purger));
  const context: ApiContext = {
    ...deps,
    workflows,
    credentials: tenantCredentialsFromKeys(deps.prisma, deps.env.SECRETS_ENCRYPTION_KEYS),
    emailVerifier: new EmailVerifier(deps.env.APP_SECRET ?? null),
    relay,
    billingRelay,
  };
  await app.register(healthPlugin(context, metrics));
  await app.register(authPlugin(context), { prefix: '/api/auth' });
  await app.register(googleAuthPlugin(context), { prefix: '/api/auth/google' });
  await app.register(catalogPlugin(context), { prefix: '/api/catalog' });
  await app.register(statusPlugin(context), { prefix: '/api/status' });
  await app.register(dashboardPlugin(context), { prefix: '/api/dashboard' });
  await app.register(conversationsPlugin(context), { prefix: '/api' });
  await app.register(agentPlugin(context), { prefix: '/api/agent' });
  await app.register(webhooksPlugin(context), { prefix: '/webhooks' });
  await app.register(onboardingPlugin(context), { prefix: '/api/whatsapp' });
  await app.register(billingPlugin(context), { prefix: '/api/billing' });
  await app.register(smsPlugin(context), { prefix: '/api/sms' });
  await app.register(customersPlugin(context), { prefix: '/api/customers' });
  await app.register(broadcastsPlugin(context), { prefix: '/api/broadcasts' });
  await app.register(stripeWebhooksPlugin(context), { prefix: '/webhooks/stripe' });
  await app.register(auditPlugin(context), { prefix: '/api/audit' });
  // Operators only (platform staff): every route under /api/ops answers 403 to a merchant.
  await app.register(opsPlugin(context), { prefix: '/api/ops' });
  await app.register(analyticsPlugin(context), { prefix: '/api/analytics' });
  await app.register(opsAnalyticsPlugin(context), { prefix: '/api/ops/analytics' });
  return app;
}

/** A hop count becomes proxy-addr's "trust the first n hops" function (Fastify's types take no number). */
function trustedProxies(setting: number | string[]): string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}
