import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { EmailActivities } from '../activities/email.js';
import {
  emailVerified,
  resendVerification,
  verificationState,
  type EmailVerificationInput,
  type EmailVerificationState,
} from './contracts/email-verification.js';

/** How long each link works (the activity signs it with this expiry). */
const LINK_TTL_MS = 3 * 24 * 60 * 60 * 1000;
/** A person asking again and again gets a few links, not a mail bomb. */
const MAX_LINKS = 5;

// SMTP hiccups are common and harmless to wait out; the outbox row makes each link's email go out once.
const { sendVerificationEmail } = proxyActivities<EmailActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 20 },
});

/**
 * One per user (`email-verification:{user}`): sends a signed, expiring link to the address; sends a new
 * one when asked (at most a few); ends verified when the API reports the link followed, or expired when
 * the last link's time runs out. The link itself never passes through here: the activity signs it.
 */
export async function emailVerificationWorkflow(input: EmailVerificationInput): Promise<EmailVerificationState> {
  const state: EmailVerificationState = { phase: 'waiting', linksSent: 0, expiresAt: null };
  let verified = false;
  let resendRequested = false;
  setHandler(emailVerified, () => void (verified = true));
  setHandler(resendVerification, () => void (resendRequested = true));
  setHandler(verificationState, () => state);

  const sendLink = async () => {
    const expiresAt = Date.now() + LINK_TTL_MS;
    state.linksSent += 1;
    await sendVerificationEmail({ ...input, expiresAt, attempt: state.linksSent });
    state.expiresAt = new Date(expiresAt).toISOString();
    return expiresAt;
  };

  let expiresAt = await sendLink();
  for (;;) {
    const left = expiresAt - Date.now();
    if (left <= 0 || !(await condition(() => verified || resendRequested, left))) {
      state.phase = 'expired';
      return state;
    }
    if (verified) {
      state.phase = 'verified';
      return state;
    }
    resendRequested = false;
    if (state.linksSent < MAX_LINKS) expiresAt = await sendLink();
  }
}
