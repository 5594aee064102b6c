import type { FastifyReply } from 'fastify';

export const SESSION_COOKIE = 'wara_session';
/** Readable by the dashboard's JavaScript, which echoes it in `x-csrf-token` (double submit). */
export const CSRF_COOKIE = 'wara_csrf';
export const CSRF_HEADER = 'x-csrf-token';
export const SESSION_TTL_MS = 14 * 24 * 60 * 60 * 1000;

/**
 * Secure cookies need HTTPS; the local run serves plain HTTP on loopback, so `secure` follows the
 * public URL's scheme (production is always HTTPS).
 */
export function setSessionCookies(reply: FastifyReply, tokens: { session: string; csrf: string }, secure: boolean): void {
  const maxAge = Math.floor(SESSION_TTL_MS / 1000);
  void reply.setCookie(SESSION_COOKIE, tokens.session, { httpOnly: true, secure, sameSite: 'lax', path: '/', maxAge });
  void reply.setCookie(CSRF_COOKIE, tokens.csrf, { httpOnly: false, secure, sameSite: 'strict', path: '/', maxAge });
}

export function clearSessionCookies(reply: FastifyReply, secure: boolean): void {
  void reply.clearCookie(SESSION_COOKIE, { httpOnly: true, secure, sameSite: 'lax', path: '/' });
  void reply.clearCookie(CSRF_COOKIE, { httpOnly: false, secure, sameSite: 'strict', path: '/' });
}
