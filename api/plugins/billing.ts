import { WorkflowFailedError } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUDIT_ACTIONS, writeBillingAudit } from '../../lib/audit.js';
import { minorToDecimal } from '../../lib/billing/money.js';
import { BILLING_PHASES, billingPhaseOf, LIVE_SUBSCRIPTION_STATUSES, TRIAL_PLAN, trialCarriesOver, type BillingPhase } from '../../lib/billing/plans.js';
import { readReplyAccess } from '../../lib/billing/reply-access.js';
import { FixedWindowLimiter } from '../../lib/conversations/rate-limit.js';
import { syncNow } from '../../workflows/contracts/billing.js';
import { requireAuth, type AuthContext } from '../auth/context.js';
import { temporalLinksFor } from '../auth/operator-links.js';
import type { ApiContext } from '../deps.js';
import { HttpError } from '../errors.js';
import type { RouteReply, RouteRequest } from '../routes.js';
import type { BillingAccount } from '../workflows/billing.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * Per tenant and minute, for the calls that reach Stripe: Checkout and portal links (each one a session
 * workflow and a Stripe session; one budget for both), and "look again now" (each one a billing sync: two
 * Stripe list calls). Far above what a merchant clicks; a script or a stuck page gets a 429 that says so.
 */
export const BILLING_SESSIONS_PER_MINUTE = 10;
export const BILLING_SYNCS_PER_MINUTE = 6;
const SESSIONS_LIMITED = `Stripe's checkout and billing pages can be opened at most ${BILLING_SESSIONS_PER_MINUTE} times a minute`;
const SYNCS_LIMITED = `Billing can be refreshed from Stripe at most ${BILLING_SYNCS_PER_MINUTE} times a minute`;

const planSchema = z.object({ code: z.string(), name: z.string(), monthlyReplyLimit: z.number(), price: z.string(), currency: z.string() });
export const plansSchema = z.object({ plans: z.array(planSchema), trial: z.object({ days: z.number(), replyLimit: z.number().nullable() }) });
export const billingSchema = z.object({
  phase: z.enum(BILLING_PHASES),
  /** The plan in force: a paid plan or the trial; null once the trial or the subscription ended. */
  plan: z.object({ code: z.string(), name: z.string(), monthlyReplyLimit: z.number(), price: z.string().nullable(), currency: z.string() }).nullable(),
  /** `keptOnCheckout`: a plan chosen now keeps the trial's remaining days (Stripe needs 48 h of them). */
  trial: z.object({ endsAt: z.string().nullable(), daysLeft: z.number().nullable(), keptOnCheckout: z.boolean() }),
  subscription: z
    .object({ status: z.string(), currentPeriodEnd: z.string().nullable(), cancelAtPeriodEnd: z.boolean(), nextInvoiceAt: z.string().nullable() })
    .nullable(),
  usage: z.object({ periodStart: z.string(), periodEnd: z.string(), replies: z.number(), limit: z.number().nullable(), limitReachedAt: z.string().nullable() }),
  /** What the reply gate says now (the same decision the reply path takes). */
  replies: z.object({ paused: z.boolean(), reason: z.string().nullable(), message: z.string().nullable() }),
  graceEndsAt: z.string().nullable(),
  invoices: z.array(
    z.object({
      id: z.string(),
      number: z.string().nullable(),
      status: z.string(),
      amountDue: z.string(),
      amountPaid: z.string(),
      currency: z.string(),
      createdAt: z.string(),
      hostedInvoiceUrl: z.string().nullable(),
    }),
  ),
  actions: z.object({ canCheckout: z.boolean(), canManage: z.boolean(), emailVerified: z.boolean() }),
  /** `workflow`: the billing workflow answered; `database`: no worker did in time, the rows speak. */
  source: z.enum(['workflow', 'database']),
  /** The billing workflow; its Temporal UI link only for operators. */
  run: z.object({ workflowId: z.string(), temporalUiUrl: z.string().nullable() }).nullable(),
});
export const sessionSchema = z.object({ url: z.string() });
const acceptedSchema = z.object({ accepted: z.boolean() });

const listPlans = { schema: { response: { 200: plansSchema } } };
const readBilling = { schema: { response: { 200: billingSchema } } };
const checkout = { schema: { body: z.object({ planCode: z.string().trim().min(1).max(40) }), response: { 200: sessionSchema } } };
const portal = { schema: { response: { 200: sessionSchema } } };
const sync = { schema: { response: { 202: acceptedSchema } } };

/**
 * Billing (prefix /api/billing): the public plan list (landing page), the billing page's state, Checkout
 * and portal links, and "look again now" after returning from Stripe. Routes never call Stripe: sessions
 * are made by a short workflow in the worker, state is the billing workflow's (or the database's).
 */
export function billingPlugin(ctx: ApiContext): FastifyPluginAsyncZod {
  const { env, prisma, workflows } = ctx;
  // In process, like the test chat's and the webhooks' budgets (lib/conversations/rate-limit.ts).
  const sessionLimiter = new FixedWindowLimiter(BILLING_SESSIONS_PER_MINUTE);
  const syncLimiter = new FixedWindowLimiter(BILLING_SYNCS_PER_MINUTE);

  return async (app) => {
    app.get('/plans', listPlans, listBillingPlans);
    app.get('', readBilling, readBillingState);
    app.post('/checkout', checkout, startCheckout);
    app.post('/portal', portal, openPortal);
    app.post('/sync', sync, syncBillingNow);
  };

  async function listBillingPlans() {
    const rows = await prisma.plan.findMany({ where: { active: true }, orderBy: { sortOrder: 'asc' } });
    const trial = rows.find((p) => p.code === TRIAL_PLAN);
    return {
      plans: rows.flatMap((p) =>
        p.priceCents === null ? [] : [{ code: p.code, name: p.name, monthlyReplyLimit: p.monthlyReplyLimit, price: minorToDecimal(p.priceCents, p.currency), currency: p.currency.toUpperCase() }],
      ),
      trial: { days: env.TRIAL_DAYS, replyLimit: trial?.monthlyReplyLimit ?? null },
    };
  }

  async function readBillingState(request: RouteRequest<typeof readBilling.schema>) {
    const auth = requireAuth(request);
    const [tenant, row, user, invoices, access, live, run] = await Promise.all([
      prisma.tenant.findUniqueOrThrow({ where: { id: auth.tenantId }, select: { plan: true, trialEndsAt: true } }),
      prisma.subscription.findUnique({ where: { tenantId: auth.tenantId } }),
      prisma.user.findUniqueOrThrow({ where: { id: auth.userId }, select: { emailVerifiedAt: true } }),
      prisma.invoice.findMany({ where: { tenantId: auth.tenantId }, orderBy: { stripeCreatedAt: 'desc' }, take: 12 }),
      readReplyAccess(prisma, auth.tenantId),
      workflows.billing.state(auth.tenantId),
      workflows.billing.latest(auth.tenantId),
    ]);
    const plan = await prisma.plan.findUnique({ where: { code: tenant.plan } });
    const subscribed = Boolean(row?.stripeSubscriptionId) && LIVE_SUBSCRIPTION_STATUSES.includes(row?.status ?? '');
    const phase: BillingPhase =
      live?.phase ??
      billingPhaseOf({ plan: tenant.plan, subscription: row?.stripeSubscriptionId ? { status: row.status } : null, pausedReason: row?.repliesPausedReason ?? null });
    const trialEndsAt = tenant.trialEndsAt?.toISOString() ?? null;
    const periodEnd = row?.currentPeriodEnd?.toISOString() ?? null;
    const stripeReady = Boolean(row?.stripeCustomerId);
    return {
      phase,
      plan: plan
        ? { code: plan.code, name: plan.name, monthlyReplyLimit: plan.monthlyReplyLimit, price: plan.priceCents === null ? null : minorToDecimal(plan.priceCents, plan.currency), currency: plan.currency.toUpperCase() }
        : null,
      trial: {
        endsAt: trialEndsAt,
        daysLeft: phase === 'trialing' && tenant.trialEndsAt ? Math.max(0, Math.ceil((tenant.trialEndsAt.getTime() - Date.now()) / DAY_MS)) : null,
        keptOnCheckout: phase === 'trialing' && trialCarriesOver(tenant, Date.now()),
      },
      subscription:
        subscribed && row
          ? { status: row.status, currentPeriodEnd: periodEnd, cancelAtPeriodEnd: row.cancelAtPeriodEnd, nextInvoiceAt: row.cancelAtPeriodEnd ? null : periodEnd }
          : null,
      usage: {
        periodStart: access.usage.periodStart.toISOString(),
        periodEnd: access.usage.periodEnd.toISOString(),
        replies: access.usage.replies,
        limit: access.usage.limit,
        limitReachedAt: access.usage.limitReachedAt?.toISOString() ?? null,
      },
      replies: access.decision.allowed
        ? { paused: false, reason: null, message: null }
        : { paused: true, reason: access.decision.reason, message: access.decision.message },
      graceEndsAt: live?.graceEndsAt ?? row?.graceEndsAt?.toISOString() ?? null,
      invoices: invoices.map((i) => ({
        id: i.stripeInvoiceId,
        number: i.number,
        status: i.status,
        amountDue: minorToDecimal(i.amountDue, i.currency),
        amountPaid: minorToDecimal(i.amountPaid, i.currency),
        currency: i.currency.toUpperCase(),
        createdAt: i.stripeCreatedAt.toISOString(),
        hostedInvoiceUrl: i.hostedInvoiceUrl,
      })),
      actions: { canCheckout: stripeReady && !subscribed, canManage: stripeReady, emailVerified: user.emailVerifiedAt !== null },
      source: live ? ('workflow' as const) : ('database' as const),
      run: run ? { workflowId: run.workflowId, temporalUiUrl: temporalLinksFor(request, env).run(run.workflowId, run.runId) } : null,
    };
  }

  async function startCheckout(request: RouteRequest<typeof checkout.schema>, reply: RouteReply<typeof checkout.schema>) {
    const auth = requireAuth(request);
    withinBudget(sessionLimiter, auth, reply, SESSIONS_LIMITED);
    await requireVerifiedEmail(auth);
    const plan = await prisma.plan.findFirst({ where: { code: request.body.planCode, active: true, priceCents: { not: null } } });
    if (!plan) throw new HttpError(400, 'There is no such plan to choose.', 'unknown_plan');
    const row = await requireCustomer(auth);
    if (row.stripeSubscriptionId && LIVE_SUBSCRIPTION_STATUSES.includes(row.status)) {
      throw new HttpError(409, 'You already have a plan: change it with "Manage billing".', 'already_subscribed');
    }
    const base = new URL('/app/billing', env.WEB_PUBLIC_URL);
    const session = await stripeSession(() =>
      workflows.billing.createSession({
        tenantId: auth.tenantId,
        kind: 'checkout',
        planCode: plan.code,
        successUrl: `${base.toString()}?checkout=success`,
        cancelUrl: `${base.toString()}?checkout=cancelled`,
      }),
    );
    await writeBillingAudit(prisma, { tenantId: auth.tenantId, action: AUDIT_ACTIONS.billing.checkoutStarted, actor: { userId: auth.userId, ip: request.ip }, details: { plan: plan.code } });
    return session;
  }

  async function openPortal(request: RouteRequest<typeof portal.schema>, reply: RouteReply<typeof portal.schema>) {
    const auth = requireAuth(request);
    withinBudget(sessionLimiter, auth, reply, SESSIONS_LIMITED);
    await requireCustomer(auth);
    const session = await stripeSession(() =>
      workflows.billing.createSession({ tenantId: auth.tenantId, kind: 'portal', returnUrl: new URL('/app/billing?portal=returned', env.WEB_PUBLIC_URL).toString() }),
    );
    await writeBillingAudit(prisma, { tenantId: auth.tenantId, action: AUDIT_ACTIONS.billing.portalOpened, actor: { userId: auth.userId, ip: request.ip } });
    return session;
  }

  /** Back from Checkout or the portal: the workflow re-reads Stripe now instead of waiting for the webhook. */
  async function syncBillingNow(request: RouteRequest<typeof sync.schema>, reply: RouteReply<typeof sync.schema>) {
    const auth = requireAuth(request);
    withinBudget(syncLimiter, auth, reply, SYNCS_LIMITED);
    await workflows.billing.signal(await accountOf(auth.tenantId), syncNow, []);
    return reply.code(202).send({ accepted: true });
  }

  /** The tenant's budget for calls that reach Stripe: a 429 saying when to try again (also as Retry-After). */
  function withinBudget(limiter: FixedWindowLimiter, auth: AuthContext, reply: { header(name: string, value: string): unknown }, what: string): void {
    if (limiter.take(auth.tenantId)) return;
    const seconds = Math.max(1, Math.ceil(limiter.retryAfterMs(auth.tenantId) / 1000));
    reply.header('retry-after', String(seconds));
    throw new HttpError(429, `${what}: try again in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`, 'rate_limited');
  }

  /** Paying needs a proven email address (the receipts and dunning emails go there). */
  async function requireVerifiedEmail(auth: AuthContext): Promise<void> {
    const user = await prisma.user.findUniqueOrThrow({ where: { id: auth.userId }, select: { emailVerifiedAt: true } });
    if (user.emailVerifiedAt === null) {
      throw new HttpError(403, 'Confirm your email address first: we sent you a link when you signed up (you can ask for a new one on the dashboard).', 'email_unverified');
    }
  }

  /** The tenant's Stripe customer exists (the billing workflow creates it at sign-up when Stripe is configured). */
  async function requireCustomer(auth: AuthContext) {
    const row = await prisma.subscription.findUnique({ where: { tenantId: auth.tenantId } });
    if (!row?.stripeCustomerId) throw new HttpError(409, 'Payments are not available yet for this account; try again in a minute.', 'billing_unavailable');
    return row;
  }

  async function accountOf(tenantId: string): Promise<BillingAccount> {
    const tenant = await prisma.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { trialEndsAt: true } });
    const owner = await prisma.user.findFirstOrThrow({ where: { tenantId }, orderBy: [{ role: 'asc' }, { createdAt: 'asc' }], select: { email: true } });
    return { tenantId, ownerEmail: owner.email, trialEndsAt: tenant.trialEndsAt };
  }
}

/** The session workflow's failure as the merchant reads it (Stripe's own text stays in the worker's logs). */
async function stripeSession(create: () => Promise<{ url: string }>): Promise<{ url: string }> {
  try {
    return await create();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    if (/timed out/i.test(innermostMessage(err))) throw new HttpError(504, 'Stripe took too long to answer; try again in a minute.', 'stripe_timeout');
    throw new HttpError(502, 'Stripe could not open the page right now; try again in a minute.', 'stripe_unavailable');
  }
}

function innermostMessage(err: Error): string {
  let current: Error = err;
  while (current.cause instanceof Error) current = current.cause;
  return current.message;
}
