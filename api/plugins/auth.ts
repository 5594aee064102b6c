import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { writeAudit } from '../../lib/audit.js';
import { createAccount, EmailTakenError } from '../../lib/auth/accounts.js';
import { LOGIN_FAILURE_WINDOW_MINUTES, recentLoginFailures } from '../../lib/auth/login-limit.js';
import { burnVerifyTime, passwordProblems, verifyPassword, PASSWORD_MAX_LENGTH } from '../../lib/auth/password.js';
import { clearSessionCookies } from '../auth/cookies.js';
import { meBody, openSession } from '../auth/sessions.js';
import type { ApiContext } from '../deps.js';
import { HttpError } from '../errors.js';
import type { RouteReply, RouteRequest } from '../routes.js';

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
  user: z.object({ id: z.string(), email: z.string(), name: z.string().nullable(), isAdmin: z.boolean() }),
  tenant: z.object({ id: z.string(), name: z.string(), plan: z.string(), trialEndsAt: z.string().nullable() }),
  csrfToken: z.string().optional(),
});

const signup = { schema: { body: signupBody, response: { 201: meSchema } } };
const login = { schema: { body: loginBody, response: { 200: meSchema } } };
const me = { schema: { response: { 200: meSchema } } };

/** Sign-up, log-in, log-out and "who am I" (prefix /api/auth). Sign-up and log-in are rate-limited per client. */
export function authPlugin(ctx: ApiContext): FastifyPluginAsyncZod {
  const { env, prisma, workflows } = ctx;
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
  };

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
      .ensureStarted({ tenantId: tenant.id, userId: user.id, email: user.email, name: user.name, trialEndsAt: tenant.trialEndsAt })
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
        action: 'auth.login_failed', details: { email: address }, ip: request.ip,
      });
      // Same answer for an unknown email and a wrong password: no account enumeration.
      throw new HttpError(401, 'Email or password is incorrect.', 'bad_credentials');
    }
    const csrfToken = await openSession(prisma, request, reply, user, secureCookies);
    await prisma.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
    await writeAudit(prisma, { tenantId: user.tenantId, actorUserId: user.id, actorType: 'user', action: 'auth.login', ip: request.ip });
    await workflows.accounts
      .ensureStarted({ tenantId: user.tenantId, userId: user.id, email: user.email, name: user.name, trialEndsAt: user.tenant.trialEndsAt })
      .catch((err: unknown) => request.log.error({ err }, 'account workflows not started'));
    return meBody(user, user.tenant, csrfToken);
  }

  async function logOut(request: RouteRequest, reply: RouteReply) {
    if (request.auth) {
      await prisma.session.update({ where: { id: request.auth.sessionId }, data: { revokedAt: new Date() } });
      await writeAudit(prisma, { tenantId: request.auth.tenantId, actorUserId: request.auth.userId, actorType: 'user', action: 'auth.logout', ip: request.ip });
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
