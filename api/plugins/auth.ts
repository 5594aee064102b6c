import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUDIT_ACTIONS, writeAudit } from '../../lib/audit.js';
import { createAccount, EmailTakenError } from '../../lib/auth/accounts.js';
import { LOGIN_FAILURE_WINDOW_MINUTES, recentLoginFailures } from '../../lib/auth/login-limit.js';
import { burnVerifyTime, passwordProblems, verifyPassword, PASSWORD_MAX_LENGTH } from '../../lib/auth/password.js';
import { clearSessionCookies } from '../auth/cookies.js';
import { meBody, openSession } from '../auth/sessions.js';
import type { ApiContext } from '../deps.js';
import { accountOf } from '../workflows/accounts.js';
import { HttpError } from '../errors.js';
import type { RouteReply, RouteRequest } from '../routes.js';
import { requireAuth } from '../auth/context.js';

const email = z.email('Enter a valid email address.').max(254).transform((e) => e.trim().toLowerCase());
const attributionKeys = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'ref'] as const;

const signupBody = z.object({
  email,
  password: z.string().max(PASSWORD_MAX_LENGTH * 4),
  name: z.string().trim().max(100).optional(),
  companyName: z.string().trim().min(1, 'Enter your shop or company name.').max(100),
  attribution: z.partialRecord(z.enum(attributionKeys), z.string().max(200)).optional(),
});
const loginBody = z.object({ email, password: z.string().min(1, 'Enter your password.').max(PASSWORD_MAX_LENGTH * 4) });

export const meSchema = z.object({
  user: z.object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    /** Kept for older dashboards: the same value as isOperator. */
    isAdmin: z.boolean(),
    /** Platform staff: the dashboard links to /ops. */
    isOperator: z.boolean(),
    emailVerified: z.boolean(),
  }),
  tenant: z.object({ id: z.string(), name: z.string(), plan: z.string(), trialEndsAt: z.string().nullable() }),
  csrfToken: z.string().optional(),
});

const signup = { schema: { body: signupBody, response: { 201: meSchema } } };
const login = { schema: { body: loginBody, response: { 200: meSchema } } };
const me = { schema: { response: { 200: meSchema } } };
const verify = { schema: { body: z.object({ token: z.string().min(10).max(2000) }), response: { 200: z.object({ verified: z.literal(true), email: z.string() }) } } };
const resend = { schema: { response: { 202: z.object({ sent: z.literal(true) }) } } };

/** Sign-up, log-in, log-out and "who am I" (prefix /api/auth). Sign-up and log-in are rate-limited per client. */
export function authPlugin(ctx: ApiContext): FastifyPluginAsyncZod {
  const { env, prisma, workflows, emailVerifier } = ctx;
  const secureCookies = new URL(env.WEB_PUBLIC_URL).protocol === 'https:';

  return async (app) => {
    await app.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_req, ctx) => new HttpError(429, `Too many attempts. Try again in ${ctx.after}.`, 'rate_limited'),
    });
    const limited = { rateLimit: { max: env.AUTH_RATE_LIMIT_PER_MINUTE, timeWindow: '1 minute' } };

    app.post('/signup', { ...signup, config: limited }, signUp);
    app.post('/login', { ...login, config: limited }, logIn);
    app.post('/logout', logOut);
    app.get('/me', me, whoAmI);
    app.get('/providers', signInProviders);
    // The link's page posts the token (a GET would be followed by mail scanners). No session needed: the
    // link may be opened on another device; the signature and the address in it are the proof.
    app.post('/verify-email', { ...verify, config: limited }, verifyEmail);
    app.post('/verify-email/resend', { ...resend, config: limited }, resendVerificationEmail);
  };

  async function verifyEmail(request: RouteRequest<typeof verify.schema>) {
    const claim = emailVerifier.verify(request.body.token);
    if (claim === 'expired') throw new HttpError(400, 'This confirmation link has expired. Log in and ask for a new one.', 'link_expired');
    if (typeof claim === 'string') throw new HttpError(400, 'This confirmation link is not valid. Use the latest link we sent, or ask for a new one.', 'link_invalid');
    const user = await prisma.user.findUnique({ where: { id: claim.userId } });
    // A link for an address the account no longer has verifies nothing.
    if (!user || user.email !== claim.email) throw new HttpError(400, 'This confirmation link is not valid for this account.', 'link_invalid');
    if (user.emailVerifiedAt === null) {
      await prisma.user.update({ where: { id: user.id }, data: { emailVerifiedAt: new Date() } });
      await writeAudit(prisma, { tenantId: user.tenantId, actorUserId: user.id, actorType: 'user', action: 'auth.email_verified', ip: request.ip });
      await workflows.accounts.verificationDone(user.id);
    }
    return { verified: true as const, email: user.email };
  }

  async function resendVerificationEmail(request: RouteRequest<typeof resend.schema>, reply: RouteReply<typeof resend.schema>) {
    const auth = requireAuth(request);
    const user = await prisma.user.findUniqueOrThrow({ where: { id: auth.userId }, include: { tenant: true } });
    if (user.emailVerifiedAt !== null) throw new HttpError(409, 'Your email address is already confirmed.', 'already_verified');
    await workflows.accounts.resendVerification(accountOf(user, user.tenant));
    return reply.code(202).send({ sent: true as const });
  }

  async function signUp(request: RouteRequest<typeof signup.schema>, reply: RouteReply<typeof signup.schema>) {
    const body = request.body;
    const problems = passwordProblems(body.password, body.email);
    if (problems.length > 0) throw new HttpError(400, problems.join(' '), 'weak_password', { field: 'password', problems });

    let account;
    try {
      account = await createAccount(prisma, {
        email: body.email,
        password: body.password,
        name: body.name || null,
        companyName: body.companyName,
        attribution: body.attribution ?? {},
        trialDays: env.TRIAL_DAYS,
        ip: request.ip,
      });
    } catch (err) {
      if (err instanceof EmailTakenError) throw new HttpError(409, `${err.message} Log in instead.`, 'email_taken');
      throw err;
    }
    const { tenant, user } = account;
    const csrfToken = await openSession(prisma, request, reply, user, secureCookies);
    await workflows.accounts
      .ensureStarted(accountOf(user, tenant))
      .catch((err: unknown) => request.log.error({ err }, 'account workflows not started; next login retries'));
    return reply.code(201).send(meBody(user, tenant, csrfToken));
  }

  async function logIn(request: RouteRequest<typeof login.schema>, reply: RouteReply<typeof login.schema>) {
    const { email: address, password } = request.body;
    // Before any hashing: an account under attack costs one indexed count per attempt, not an Argon2 run.
    if ((await recentLoginFailures(prisma, address)) >= env.LOGIN_FAILURES_PER_ACCOUNT) {
      throw new HttpError(
        429,
        `Too many failed log-ins for this account. Try again in ${LOGIN_FAILURE_WINDOW_MINUTES} minutes, or reset your password.`,
        'account_rate_limited',
      );
    }
    const user = await prisma.user.findUnique({ where: { email: address }, include: { tenant: true } });
    const ok = user?.passwordHash ? await verifyPassword(user.passwordHash, password) : (await burnVerifyTime(password), false);
    if (!user || !ok) {
      await writeAudit(prisma, {
        tenantId: user?.tenantId ?? null, actorUserId: user?.id ?? null, actorType: 'user',
        action: AUDIT_ACTIONS.auth.loginFailed, details: { email: address }, ip: request.ip,
      });
      // Same answer for an unknown email and a wrong password: no account enumeration.
      throw new HttpError(401, 'Email or password is incorrect.', 'bad_credentials');
    }
    const csrfToken = await openSession(prisma, request, reply, user, secureCookies);
    await prisma.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
    await writeAudit(prisma, { tenantId: user.tenantId, actorUserId: user.id, actorType: user.isAdmin ? 'operator' : 'user', action: AUDIT_ACTIONS.auth.login, ip: request.ip });
    // Operators are staff in the internal tenant (npm run operator): no welcome email, no trial.
    if (!user.isAdmin) {
      await workflows.accounts
        .ensureStarted(accountOf(user, user.tenant))
        .catch((err: unknown) => request.log.error({ err }, 'account workflows not started'));
    }
    return meBody(user, user.tenant, csrfToken);
  }

  async function logOut(request: RouteRequest, reply: RouteReply) {
    if (request.auth) {
      await prisma.session.update({ where: { id: request.auth.sessionId }, data: { revokedAt: new Date() } });
      await writeAudit(prisma, { tenantId: request.auth.tenantId, actorUserId: request.auth.userId, actorType: request.auth.isOperator ? 'operator' : 'user', action: AUDIT_ACTIONS.auth.logout, ip: request.ip });
    }
    clearSessionCookies(reply, secureCookies);
    return reply.code(204).send();
  }

  async function whoAmI(request: RouteRequest<typeof me.schema>) {
    if (!request.auth) throw new HttpError(401, 'Not logged in.', 'unauthenticated');
    const user = await prisma.user.findUniqueOrThrow({ where: { id: request.auth.userId }, include: { tenant: true } });
    return meBody(user, user.tenant);
  }

  async function signInProviders() {
    return { password: true, google: Boolean(env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET) };
  }
}
