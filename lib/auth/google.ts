import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Env } from '../config/env.js';

/** Google sign-in (OAuth 2.0 authorization code + PKCE). Only used when the client id/secret are set. */
export type GoogleConfig = Pick<Env, 'GOOGLE_AUTH_URL' | 'GOOGLE_TOKEN_URL' | 'GOOGLE_USERINFO_URL' | 'WEB_PUBLIC_URL'> & {
  clientId: string;
  clientSecret: string;
};

export function googleConfig(env: Env): GoogleConfig | null {
  if (!env.GOOGLE_CLIENT_ID || !env.GOOGLE_CLIENT_SECRET) return null;
  return { ...env, clientId: env.GOOGLE_CLIENT_ID, clientSecret: env.GOOGLE_CLIENT_SECRET };
}

/** The callback runs on the dashboard origin (proxied), so the cookies set there are first-party. */
export function redirectUri(config: GoogleConfig): string {
  return new URL('/api/auth/google/callback', config.WEB_PUBLIC_URL).toString();
}

export interface PendingLogin {
  state: string;
  verifier: string;
  next: string;
}

export function startLogin(config: GoogleConfig, next: string): { url: string; pending: PendingLogin } {
  const pending = { state: randomBytes(16).toString('base64url'), verifier: randomBytes(32).toString('base64url'), next: safeNext(next, config.WEB_PUBLIC_URL) };
  const url = new URL(config.GOOGLE_AUTH_URL);
  url.search = new URLSearchParams({
    client_id: config.clientId,
    redirect_uri: redirectUri(config),
    response_type: 'code',
    scope: 'openid email profile',
    state: pending.state,
    code_challenge: createHash('sha256').update(pending.verifier).digest('base64url'),
    code_challenge_method: 'S256',
    prompt: 'select_account',
  }).toString();
  return { url: url.toString(), pending };
}

const tokenResponse = z.object({ access_token: z.string().min(1) });
const userInfo = z.object({
  sub: z.string().min(1),
  email: z.email(),
  email_verified: z.boolean(),
  name: z.string().optional(),
});
export type GoogleUser = z.infer<typeof userInfo>;

export class GoogleLoginError extends Error {}

/** Exchanges the code (with the PKCE verifier) and reads the verified identity from the userinfo endpoint. */
export async function finishLogin(config: GoogleConfig, code: string, verifier: string, fetchImpl: typeof fetch = fetch): Promise<GoogleUser> {
  const tokenRes = await fetchImpl(config.GOOGLE_TOKEN_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      code,
      client_id: config.clientId,
      client_secret: config.clientSecret,
      redirect_uri: redirectUri(config),
      grant_type: 'authorization_code',
      code_verifier: verifier,
    }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!tokenRes.ok) throw new GoogleLoginError(`Google refused the sign-in (${tokenRes.status}).`);
  const token = tokenResponse.safeParse(await tokenRes.json());
  if (!token.success) throw new GoogleLoginError('Google answered without an access token.');

  const infoRes = await fetchImpl(config.GOOGLE_USERINFO_URL, {
    headers: { authorization: `Bearer ${token.data.access_token}` },
    signal: AbortSignal.timeout(10_000),
  });
  const info = userInfo.safeParse(infoRes.ok ? await infoRes.json() : null);
  if (!info.success) throw new GoogleLoginError('Google did not share a usable profile.');
  if (!info.data.email_verified) throw new GoogleLoginError('Your Google email address is not verified.');
  return { ...info.data, email: info.data.email.toLowerCase() };
}

const APP_HOME = '/app';
/** Only used to tell a path from an absolute URL when the dashboard's URL is not passed in. */
const PLACEHOLDER_ORIGIN = 'https://dashboard.wara.invalid';

/**
 * Where to send someone after signing in: a dashboard page (`/app` or below) on the dashboard's own
 * origin, else `/app`. An open redirect after log-in would be a phishing tool, so the value is read
 * the way a browser reads a `Location` (which strips tabs and newlines, takes `\` for `/`, `//host`
 * for another site) and the answer is that reading's path, query and fragment, never the raw input.
 * Its decoded path must still be a plain dashboard path, for whatever reads it decoded later.
 */
export function safeNext(next: string | undefined, webPublicUrl: string = PLACEHOLDER_ORIGIN): string {
  if (!next) return APP_HOME;
  const ours = new URL(webPublicUrl).origin;
  let url: URL;
  let decodedPath: string;
  try {
    url = new URL(next, ours);
    decodedPath = decodeURIComponent(url.pathname);
  } catch {
    return APP_HOME;
  }
  // Both readings (the browser's, and the path decoded once more) must be a dashboard page.
  return url.origin === ours && isAppPath(url.pathname) && isPlainAppPath(decodedPath) ? url.pathname + url.search + url.hash : APP_HOME;
}

function isAppPath(path: string): boolean {
  return path === APP_HOME || path.startsWith(`${APP_HOME}/`);
}

/** `/app` or below with no `\`, control character, empty segment (`//`) or dot segment (`.`, `..`). */
function isPlainAppPath(path: string): boolean {
  const segments = path.split('/').slice(1);
  const plain = (segment: string, i: number) =>
    (segment !== '' || i === segments.length - 1) && segment !== '.' && segment !== '..' && !/[\\\p{Cc}]/u.test(segment);
  return isAppPath(path) && segments.every(plain);
}
