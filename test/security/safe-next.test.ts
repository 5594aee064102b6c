import { describe, expect, it } from 'vitest';
import { safeNext, startLogin, type GoogleConfig } from '../../lib/auth/google.js';

// The dashboard's own check, loaded by path: the dashboard is its own app (DOM types, `$app/*`, `.ts`
// specifiers), type-checked by svelte-check, not by this tsc; vitest transforms it like any other module.
const dashboardAuth = `../../web/src/lib/services/auth.ts`;
const { safeNextPath } = (await import(/* @vite-ignore */ dashboardAuth)) as { safeNextPath(next: string | null): string | null };

/*
 * Where a visitor lands after signing in comes from a `next` query parameter anyone can put in a link.
 * Only a path of the dashboard (`/app` or below, on the dashboard's own origin) may be honoured;
 * anything else falls back to `/app`. Browsers strip tabs and newlines from URLs, read `\` as `/`
 * and `//host` as another origin, so the check parses the value the way a browser does.
 */
const WEB = 'https://dash.wara.example';

// Values a phisher would put in `?next=` (as the API receives them: the query string already decoded once).
const hostile = [
  '/\t/evil.com',
  '/%09/evil.com',
  '/\n/evil.com',
  '/\r\n/evil.com',
  '\t//evil.com',
  ' //evil.com',
  '/\\evil.com',
  '\\\\evil.com',
  '\\/evil.com',
  '//evil.com',
  '///evil.com',
  '//evil.com/app',
  'https://evil.com',
  'https://evil.com/app',
  'HTTPS://evil.com/app',
  'http:evil.com',
  'https:/evil.com',
  '/%2F%2Fevil.com',
  '/%2f%2fevil.com',
  '/%5Cevil.com',
  '/%5C%5Cevil.com',
  '%2F%2Fevil.com',
  'javascript:alert(document.cookie)',
  'JaVaScRiPt:alert(1)',
  ' javascript:alert(1)',
  'java\tscript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  '/app@evil.com',
  '/app.evil.com',
  '/appevil',
  '/application',
  '/app/../login',
  '/app/..//evil.com',
  '/app/%2e%2e/%2e%2e//evil.com',
  '/app/%2E%2E/',
  '/app/%2F..%2F..%2F%2Fevil.com',
  '/app/%0a',
  '/app/%5C%5Cevil.com',
  '/app//evil.com',
  '/app/%2F%2Fevil.com',
  'https://dash.wara.example@evil.com/app',
  'https://evil.com#https://dash.wara.example/app',
  'http://dash.wara.example/app', // right host, wrong scheme: another origin
  'https://dash.wara.example:8443/app',
  'app',
  '',
  '/',
  '/login',
  '/api/auth/logout',
  '/%',
  '/app/%E0%A4%A',
  'x'.repeat(10_000),
];

// Where the dashboard may send someone, and what the redirect says (the browser's own reading of it).
const legitimate: Array<[next: string, landsOn: string]> = [
  ['/app', '/app'],
  ['/app/', '/app/'],
  ['/app/catalog', '/app/catalog'],
  ['/app/catalog?x=1#y', '/app/catalog?x=1#y'],
  ['/app/conversations/c_123?filter=open&q=blue%20shirt', '/app/conversations/c_123?filter=open&q=blue%20shirt'],
  ['/app?welcome=1', '/app?welcome=1'],
  ['/app#top', '/app#top'],
  ['/app/./status', '/app/status'],
  ['/app/whatsapp/../catalog', '/app/catalog'],
  ['app/catalog', '/app/catalog'], // read against the dashboard's root, as the answer says
  ['https://dash.wara.example/app/status?tab=1', '/app/status?tab=1'],
];

describe('safeNext (API: where the Google sign-in returns to)', () => {
  it.each(hostile)('falls back to /app for %j', (next) => {
    expect(safeNext(next, WEB)).toBe('/app');
  });

  it.each(legitimate)('keeps the dashboard path %j', (next, landsOn) => {
    expect(safeNext(next, WEB)).toBe(landsOn);
  });

  it('falls back to /app without a value', () => {
    expect(safeNext(undefined, WEB)).toBe('/app');
    expect(safeNext(undefined)).toBe('/app');
  });

  it('every answer, read by a browser on the dashboard, stays on the dashboard under /app', () => {
    for (const next of [...hostile, ...legitimate.map(([n]) => n)]) {
      const answer = safeNext(next, WEB);
      const landed = new URL(answer, WEB);
      expect(landed.origin, next).toBe(WEB);
      expect(landed.pathname === '/app' || landed.pathname.startsWith('/app/'), next).toBe(true);
      expect(answer.startsWith('/app'), next).toBe(true);
    }
  });

  it('the API callback re-checks the stored value without a base URL and agrees', () => {
    for (const next of hostile) expect(safeNext(next)).toBe('/app');
    for (const [next, landsOn] of legitimate) {
      // An absolute URL is only recognised as ours when the dashboard's URL is known.
      if (!next.startsWith('https:')) expect(safeNext(next)).toBe(landsOn);
      // What startLogin stored is a path; checking it again changes nothing.
      expect(safeNext(safeNext(next, WEB))).toBe(landsOn);
    }
  });

  it('startLogin stores only a checked path for the callback', () => {
    const config = {
      GOOGLE_AUTH_URL: 'https://accounts.google.example/auth',
      GOOGLE_TOKEN_URL: 'https://oauth2.google.example/token',
      GOOGLE_USERINFO_URL: 'https://openidconnect.google.example/userinfo',
      WEB_PUBLIC_URL: WEB,
      clientId: 'client',
      clientSecret: 'secret',
    } satisfies GoogleConfig;
    expect(startLogin(config, '/%09/evil.com').pending.next).toBe('/app');
    expect(startLogin(config, '/\t/evil.com').pending.next).toBe('/app');
    expect(startLogin(config, '/app/catalog?x=1#y').pending.next).toBe('/app/catalog?x=1#y');
    expect(startLogin(config, `${WEB}/app/status`).pending.next).toBe('/app/status');
  });
});

describe('safeNextPath (dashboard: where the log-in page goes after logging in)', () => {
  it('never leaves the dashboard origin, whatever the value', () => {
    const origin = 'https://dash.wara.example';
    for (const next of [...hostile, ...legitimate.map(([n]) => n)]) {
      const path = safeNextPath(next);
      if (path === null) continue;
      const landed = new URL(path, `${origin}/login`);
      expect(landed.origin, next).toBe(origin);
    }
  });

  it('keeps dashboard paths', () => {
    expect(safeNextPath('/app/catalog?x=1#y')).toBe('/app/catalog?x=1#y');
    expect(safeNextPath('/app')).toBe('/app');
    for (const next of ['//evil.com', '/\\evil.com', 'https://evil.com', '/%09/evil.com', '/app@evil.com', 'javascript:alert(1)']) {
      expect(safeNextPath(next), next).toBeNull();
    }
  });
});
