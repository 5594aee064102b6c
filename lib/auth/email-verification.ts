// The link in a verification email: who (user id), which address, until when, signed with APP_SECRET
// (HMAC-SHA256). Nothing is stored: the signature is the proof, the expiry bounds a leaked link, and the
// address in it must still be the account's, so a link for an old address verifies nothing.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface VerificationClaim {
  userId: string;
  email: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** How long a verification link works. */
export const VERIFICATION_LINK_TTL_MS = 3 * 24 * 60 * 60 * 1000;

export type VerificationProblem = 'malformed' | 'bad_signature' | 'expired';

export class EmailVerifier {
  readonly #key: Buffer;

  /** `secret` null: a per-process key (dev without APP_SECRET, tests): links die with the process. */
  constructor(secret: string | null) {
    this.#key = createHmac('sha256', secret ?? randomBytes(32).toString('hex')).update('wara:email-verification:v1').digest();
  }

  sign(claim: VerificationClaim): string {
    const payload = Buffer.from(JSON.stringify({ u: claim.userId, e: claim.email, x: claim.expiresAt })).toString('base64url');
    return `${payload}.${this.#mac(payload)}`;
  }

  verify(token: string, now = Date.now()): VerificationClaim | VerificationProblem {
    const [payload, mac, extra] = token.split('.');
    if (!payload || !mac || extra !== undefined) return 'malformed';
    const expected = Buffer.from(this.#mac(payload));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad_signature';
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return 'malformed';
    }
    const { u, e, x } = (parsed ?? {}) as { u?: unknown; e?: unknown; x?: unknown };
    if (typeof u !== 'string' || typeof e !== 'string' || typeof x !== 'number') return 'malformed';
    if (x <= now) return 'expired';
    return { userId: u, email: e, expiresAt: x };
  }

  #mac(payload: string): string {
    return createHmac('sha256', this.#key).update(payload).digest('base64url');
  }
}

/** The dashboard page that posts the token back (a GET link must not verify: mail scanners prefetch links). */
export function verificationUrl(webPublicUrl: string, token: string): string {
  const url = new URL('/verify-email', webPublicUrl);
  url.searchParams.set('token', token);
  return url.toString();
}
