import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { writeAudit } from '../../lib/audit.js';
import { createAccount } from '../../lib/auth/accounts.js';
import { finishLogin, GoogleLoginError, googleConfig, safeNext, startLogin, type GoogleConfig } from '../../lib/auth/google.js';
import { openSession } from '../auth/sessions.js';
import type { ApiContext } from '../deps.js';
import { accountOf } from '../workflows/accounts.js';
import { HttpError } from '../errors.js';
import type { RouteReply, RouteRequest } from '../routes.js';

const PENDING_COOKIE = 'wara_google';
const pendingSchema = z.object({ state: z.string(), verifier: z.string(), next: z.string() });
const begin = { schema: { querystring: z.object({ next: z.string().optional() }) } };
const callback = { schema: { querystring: z.object({ code: z.string().min(1).optional(), state: z.string().min(1), error: z.string().optional() }) } };

/**
 * "Continue with Google": only registered when GOOGLE_CLIENT_ID/SECRET are set, so the routes (and the
 * dashboard's button, which asks /api/auth/providers) do not exist otherwise.
 */
export function googleAuthPlugin(ctx: ApiContext): FastifyPluginAsyncZod {
  const { env, prisma, workflows } = ctx;
  const configured = googleConfig(env);
  if (!configured) return async () => undefined;
  const config: GoogleConfig = configured;
  const secureCookies = new URL(env.WEB_PUBLIC_URL).protocol === 'https:';

  return async (app) => {
    app.get('', begin, beginGoogleSignIn);
    app.get('/callback', callback, finishGoogleSignIn);
  };

  async function beginGoogleSignIn(request: RouteRequest<typeof begin.schema>, reply: RouteReply<typeof begin.schema>) {
    const { url, pending } = startLogin(config, request.query.next ?? '/app');
    // Lax so the cookie comes back on Google's top-level redirect to our callback.
    void reply.setCookie(PENDING_COOKIE, JSON.stringify(pending), { httpOnly: true, secure: secureCookies, sameSite: 'lax', path: '/api/auth/google', maxAge: 600 });
    return reply.redirect(url);
  }

  async function finishGoogleSignIn(request: RouteRequest<typeof callback.schema>, reply: RouteReply<typeof callback.schema>) {
    const raw = request.cookies[PENDING_COOKIE];
    void reply.clearCookie(PENDING_COOKIE, { path: '/api/auth/google' });
    const pending = pendingSchema.safeParse(raw ? safeJson(raw) : null);
    if (!pending.success || pending.data.state !== request.query.state) {
      throw new HttpError(400, 'This Google sign-in link expired or was not started here; please try again.', 'oauth_state');
    }
    if (request.query.error || !request.query.code) throw new HttpError(400, 'Google sign-in was cancelled.', 'oauth_cancelled');

    let google;
    try {
      google = await finishLogin(config, request.query.code, pending.data.verifier);
    } catch (err) {
      if (err instanceof GoogleLoginError) throw new HttpError(400, err.message, 'oauth_failed');
      throw err;
    }

    // A Google identity we know, or a verified email that matches an account: link and sign in.
    let user = await prisma.user.findFirst({ where: { OR: [{ googleSub: google.sub }, { email: google.email }] }, include: { tenant: true } });
    if (user && user.googleSub !== google.sub) {
      // Never link Google to a password account whose address was never proven: anyone can sign up with
      // someone else's address, and linking would let the real owner in beside the impostor's password.
      if (user.emailVerifiedAt === null) {
        await writeAudit(prisma, { tenantId: user.tenantId, actorUserId: user.id, actorType: 'user', action: 'auth.google_link_refused', details: { reason: 'email_unverified' }, ip: request.ip });
        throw new HttpError(
          409,
          'An account with this email was created with a password and its email address was never confirmed, so it cannot be linked to Google. If it is yours, log in with your password and confirm your email first.',
          'email_unverified',
        );
      }
      user = await prisma.user.update({ where: { id: user.id }, data: { googleSub: google.sub }, include: { tenant: true } });
    }
    if (!user) {
      const created = await createAccount(prisma, {
        email: google.email,
        password: null,
        googleSub: google.sub,
        name: google.name ?? null,
        companyName: google.name ? `${google.name}'s shop` : google.email.split('@')[1] ?? 'My shop',
        attribution: {},
        trialDays: env.TRIAL_DAYS,
        ip: request.ip,
      });
      user = { ...created.user, tenant: created.tenant };
    } else {
      await writeAudit(prisma, { tenantId: user.tenantId, actorUserId: user.id, actorType: 'user', action: 'auth.login', details: { method: 'google' }, ip: request.ip });
    }
    await openSession(prisma, request, reply, user, secureCookies);
    await workflows.accounts
      .ensureStarted(accountOf(user, user.tenant))
      .catch((err: unknown) => request.log.error({ err }, 'account workflows not started'));
    return reply.redirect(safeNext(pending.data.next, env.WEB_PUBLIC_URL));
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
