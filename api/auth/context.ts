import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashToken, tokensMatch } from '../../lib/auth/tokens.js';
import type { PrismaClient } from '../../lib/db/client.js';
import { HttpError } from '../errors.js';
import { CSRF_HEADER, SESSION_COOKIE } from './cookies.js';

/** Who is calling: resolved once per request from the session cookie. Tenant scoping starts here. */
export interface AuthContext {
  sessionId: string;
  userId: string;
  tenantId: string;
  email: string;
  /** Platform staff (the `users.is_admin` column): see every tenant's audit trail, run ops tools. */
  isOperator: boolean;
  /** The same flag under its old name, for code written before operators had their own pages. */
  isAdmin: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
}

/** The caller's identity, or a 401 a person understands. Every tenant route starts with this. */
export function requireAuth(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new HttpError(401, 'Please log in to continue.', 'unauthenticated');
  return request.auth;
}

/** An operator's identity, or 401 (nobody logged in) / 403 (a merchant). */
export function requireOperator(request: FastifyRequest): AuthContext {
  const auth = requireAuth(request);
  if (!auth.isOperator) throw new HttpError(403, 'This page is for WARA operators only.', 'forbidden');
  return auth;
}

/** @deprecated The old name of requireOperator. */
export const requireAdmin = requireOperator;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A session unused this long is over (the cookie's absolute lifetime is SESSION_TTL_MS). */
export const SESSION_IDLE_MS = 3 * 24 * 60 * 60 * 1000;
const LAST_SEEN_EVERY_MS = 60_000;

/**
 * Resolves the session (if any) and enforces CSRF on state-changing requests that carry one.
 * Double submit: the dashboard echoes the readable CSRF cookie in a header; a cross-site form cannot.
 */
export function sessionHook(prisma: PrismaClient) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    request.auth = null;
    const token = request.cookies[SESSION_COOKIE];
    if (!token) return;
    const session = await prisma.session.findUnique({ where: { id: hashToken(token) }, include: { user: true, tenant: { select: { status: true } } } });
    const now = Date.now();
    if (!session || session.revokedAt || session.expiresAt.getTime() <= now) return;
    // Idle: a session nobody used for days (a shared or lost phone) ends, whatever its absolute expiry.
    if ((session.lastSeenAt ?? session.createdAt).getTime() + SESSION_IDLE_MS <= now) return;
    if (session.tenant.status !== 'active') {
      throw new HttpError(403, `This account is ${session.tenant.status}. Contact WARA support.`, 'account_inactive');
    }
    // Seen: at most one write a minute per session, not one per request (the feed polls every few seconds).
    if (!session.lastSeenAt || now - session.lastSeenAt.getTime() > LAST_SEEN_EVERY_MS) {
      await prisma.session.update({ where: { id: session.id }, data: { lastSeenAt: new Date(now) } });
    }

    if (!SAFE_METHODS.has(request.method)) {
      const header = request.headers[CSRF_HEADER];
      const csrf = Array.isArray(header) ? header[0] : header;
      if (!csrf || !tokensMatch(csrf, session.csrfTokenHash)) {
        throw new HttpError(403, 'Missing or invalid CSRF token; reload the page and try again.', 'csrf');
      }
    }
    request.auth = {
      sessionId: session.id,
      userId: session.userId,
      tenantId: session.tenantId,
      email: session.user.email,
      isOperator: session.user.isAdmin,
      isAdmin: session.user.isAdmin,
    };
  };
}
