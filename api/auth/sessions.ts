import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashToken, newToken } from '../../lib/auth/tokens.js';
import type { PrismaClient } from '../../lib/db/client.js';
import { SESSION_TTL_MS, setSessionCookies } from './cookies.js';

/** Opens a session for the user and sets its cookies; returns the CSRF token for the client. */
export async function openSession(
  prisma: PrismaClient,
  request: FastifyRequest,
  reply: FastifyReply,
  user: { id: string; tenantId: string },
  secureCookies: boolean,
): Promise<string> {
  const session = newToken();
  const csrf = newToken();
  await prisma.session.create({
    data: {
      id: hashToken(session),
      userId: user.id,
      tenantId: user.tenantId,
      csrfTokenHash: hashToken(csrf),
      expiresAt: new Date(Date.now() + SESSION_TTL_MS),
      ip: request.ip,
      userAgent: request.headers['user-agent']?.slice(0, 300) ?? null,
    },
  });
  setSessionCookies(reply, { session, csrf }, secureCookies);
  return csrf;
}

interface UserRow {
  id: string;
  email: string;
  name: string | null;
  isAdmin: boolean;
  emailVerifiedAt: Date | null;
}
interface TenantRow {
  id: string;
  name: string;
  plan: string;
  trialEndsAt: Date | null;
}

/** The "who am I" body shared by sign-up, log-in and /me. */
export function meBody(user: UserRow, tenant: TenantRow, csrfToken?: string) {
  return {
    user: { id: user.id, email: user.email, name: user.name, isAdmin: user.isAdmin, isOperator: user.isAdmin, emailVerified: user.emailVerifiedAt !== null },
    tenant: { id: tenant.id, name: tenant.name, plan: tenant.plan, trialEndsAt: tenant.trialEndsAt?.toISOString() ?? null },
    ...(csrfToken ? { csrfToken } : {}),
  };
}
