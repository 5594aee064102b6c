/**
 * How every status the dashboard shows reads: one of a few tones (the Pill colours) and a label, plus a
 * little more where a status needs it (what to do next, why a message failed). The one place for these
 * maps, so the same word never reads two ways on two pages.
 *
 * Statuses arrive as strings: a value added to the API later reads as itself in a neutral tone instead
 * of breaking the page. No imports (types are spelled out here), so unit tests load it outside SvelteKit.
 */

export type Tone = 'good' | 'warn' | 'bad' | 'busy' | 'neutral';

export interface StatusLook {
  tone: Tone;
  label: string;
}

/** `map[status]` for the map's own keys only: `"constructor"` from the API must not find a prototype member. */
function lookUp<T>(map: Record<string, T>, status: string): T | undefined {
  return Object.hasOwn(map, status) ? map[status] : undefined;
}

/** `not_sent` → `not sent`: an unknown status in words. */
function unknownLook(status: string): StatusLook {
  return { tone: 'neutral', label: status.replaceAll('_', ' ') };
}

// System status: components, the API overall, health-check runs.

export type HealthStatus = 'up' | 'down' | 'degraded' | 'ok' | 'failed' | 'running';

const HEALTH_LOOKS: Record<HealthStatus, StatusLook> = {
  up: { tone: 'good', label: 'Up' },
  ok: { tone: 'good', label: 'Operational' },
  degraded: { tone: 'warn', label: 'Degraded' },
  down: { tone: 'bad', label: 'Down' },
  failed: { tone: 'bad', label: 'Failed' },
  running: { tone: 'busy', label: 'Running' },
};

export function healthLook(status: string): StatusLook {
  return lookUp(HEALTH_LOOKS, status) ?? unknownLook(status);
}

// Messages: delivery status, why one did not arrive, who wrote it.

const MESSAGE_STATUS_LOOKS: Record<string, StatusLook> = {
  received: { tone: 'neutral', label: 'Received' },
  queued: { tone: 'busy', label: 'Queued' },
  sending: { tone: 'busy', label: 'Sending' },
  sent: { tone: 'busy', label: 'Sent' },
  delivered: { tone: 'good', label: 'Delivered' },
  read: { tone: 'good', label: 'Read' },
  failed: { tone: 'bad', label: 'Failed' },
  undelivered: { tone: 'bad', label: 'Undelivered' },
  not_sent: { tone: 'warn', label: 'Not sent' },
};

export function messageStatusLook(status: string): StatusLook {
  return lookUp(MESSAGE_STATUS_LOOKS, status) ?? unknownLook(status);
}

/** The feed's status filter: every known delivery status, in the order a message goes through them. */
export const MESSAGE_STATUS_OPTIONS: Array<{ value: string; label: string }> = Object.entries(MESSAGE_STATUS_LOOKS).map(
  ([value, look]) => ({ value, label: look.label }),
);

// Twilio's status callbacks carry only the error code: the common ones, in words a merchant can act on.
const TWILIO_ERRORS: Record<string, string> = {
  '30003': 'The customer’s phone is unreachable',
  '30004': 'The message was blocked',
  '30005': 'Unknown number',
  '30006': 'Landline or unreachable carrier',
  '30007': 'Filtered by the carrier',
  '30008': 'Unknown delivery error',
  '63003': 'This number is not on WhatsApp',
  '63016': 'Outside the 24-hour window: only approved templates can be sent',
  '63018': 'WhatsApp rate limit reached',
  '63024': 'Invalid recipient',
  '63049': 'Meta chose not to deliver this message',
};

const PROBLEM_STATUSES = new Set(['failed', 'undelivered', 'not_sent']);

/**
 * Why a message did not arrive, in a line: Twilio's error code (which the merchant can look up) and what
 * it means, or the reason WARA did not send it (outside the 24-hour window, opted out, trial ended…).
 */
export function deliveryProblem(message: { status: string; errorCode: string | null; errorMessage: string | null }): string | null {
  if (!PROBLEM_STATUSES.has(message.status)) return null;
  const code = message.errorCode;
  const numeric = code !== null && /^\d+$/.test(code);
  const label = code === null ? null : numeric ? `Error ${code}` : code.replaceAll('_', ' ');
  const meaning = message.errorMessage ?? (numeric ? (lookUp(TWILIO_ERRORS, code) ?? null) : null);
  const parts = [label, meaning].filter((part): part is string => Boolean(part));
  return parts.length > 0 ? parts.join(': ') : null;
}

const SOURCE_LABELS: Record<string, string> = {
  customer: 'Customer',
  ai: 'AI',
  human: 'Human',
  system: 'System',
  template: 'Template',
  broadcast: 'Broadcast',
};

export function sourceLabel(source: string): string {
  return lookUp(SOURCE_LABELS, source) ?? source;
}

// Why a customer's message got no AI reply (the API's `noReplyReason`): said next to the message.
const NO_REPLY_LOOKS: Record<string, StatusLook> = {
  opted_out: { tone: 'warn', label: 'Not answered: the customer opted out (STOP)' },
  ai_paused: { tone: 'neutral', label: 'Not answered by the AI: you took this conversation over' },
  window_closed_while_away: { tone: 'warn', label: "Not answered: WhatsApp's 24-hour window closed before you opened — handed to you" },
  trial_expired: { tone: 'bad', label: 'Not answered: your free trial has ended — choose a plan to resume' },
  tenant_inactive: { tone: 'bad', label: 'Not answered: your account is not active' },
  tenant_missing: { tone: 'bad', label: 'Not answered: the account no longer exists' },
  reply_limit: { tone: 'bad', label: 'Not answered: reply limit reached — answer by hand, or upgrade to resume' },
  overloaded: { tone: 'bad', label: 'Not answered by the AI: too many messages were waiting — answer it yourself' },
  payment_required: { tone: 'bad', label: 'Not answered: a payment is outstanding — pay the invoice to resume' },
  subscription_ended: { tone: 'bad', label: 'Not answered: your subscription has ended — choose a plan to resume' },
  answered_with_next: { tone: 'neutral', label: 'Answered together with the next message' },
};

export function noReplyLook(reason: string): StatusLook {
  return lookUp(NO_REPLY_LOOKS, reason) ?? { tone: 'warn', label: `Not answered: ${reason.replaceAll('_', ' ')}` };
}

/** Who answers a conversation: the AI, the merchant who took over, or nobody (the customer opted out). */
export function takeoverLook(conversation: { aiPaused: boolean; optedOut: boolean }): StatusLook & { status: string } {
  if (conversation.aiPaused) return { tone: 'warn', label: 'You are answering', status: 'taken_over' };
  if (conversation.optedOut) return { tone: 'neutral', label: 'AI silent (opted out)', status: 'opted_out' };
  return { tone: 'good', label: 'AI is answering', status: 'ai' };
}

// WhatsApp connection (dashboard card and WhatsApp page) and its onboarding steps.

export interface WhatsAppLook extends StatusLook {
  /** What the merchant should do next, in a sentence. */
  nextStep: string;
  /** The link to the WhatsApp page, worded for that next step. */
  action: string;
}

const WHATSAPP_LOOKS: Record<string, WhatsAppLook> = {
  not_connected: {
    tone: 'neutral',
    label: 'Not connected',
    nextStep: 'Connect your WhatsApp Business number so WARA can answer your customers.',
    action: 'Connect WhatsApp',
  },
  connecting: {
    tone: 'busy',
    label: 'Connecting',
    nextStep: 'Setup is running. Follow each step on the WhatsApp page.',
    action: 'See progress',
  },
  waiting_for_sender: {
    tone: 'warn',
    label: 'Waiting for approval',
    nextStep: 'Meta is reviewing your number; this can take days. We keep checking and tell you when it is live.',
    action: 'See progress',
  },
  connected: {
    tone: 'good',
    label: 'Connected',
    nextStep: 'Customers who message this number get AI answers.',
    action: 'Manage connection',
  },
  failed: {
    tone: 'bad',
    label: 'Failed',
    nextStep: 'The connection did not complete. See why and try again.',
    action: 'See what went wrong',
  },
  disconnected: {
    tone: 'neutral',
    label: 'Disconnected',
    nextStep: 'WARA is not answering on WhatsApp. Reconnect to resume.',
    action: 'Reconnect',
  },
  broken: {
    tone: 'bad',
    label: 'Connection broken',
    nextStep: 'Twilio no longer accepts this connection, so replies cannot be sent. Reconnect to fix it.',
    action: 'See why and reconnect',
  },
};

export function whatsappLook(status: string): WhatsAppLook {
  return (
    lookUp(WHATSAPP_LOOKS, status) ?? {
      ...unknownLook(status),
      nextStep: 'See the WhatsApp page for details.',
      action: 'Open WhatsApp',
    }
  );
}

const DISCONNECT_LABELS: Record<string, string> = {
  connected: 'Disconnect WhatsApp',
  in_progress: 'Cancel and disconnect',
  failed: 'Remove this connection',
  broken: 'Remove this connection',
};

/** The WhatsApp page's disconnect button, worded for where the connection is (its wizard stage). */
export function disconnectLabel(stage: string): string {
  return lookUp(DISCONNECT_LABELS, stage) ?? 'Disconnect WhatsApp';
}

const STEP_STATE_LABELS: Record<string, string> = {
  pending: 'Not started',
  running: 'In progress',
  waiting: 'Waiting',
  done: 'Done',
  failed: 'Failed',
};

/** An onboarding step's state; its colour comes from the step list's marker, keyed by the same word. */
export function stepStateLabel(state: string): string {
  return lookUp(STEP_STATE_LABELS, state) ?? state;
}

// Emails WARA sent the merchant (dashboard home).

export interface EmailLook extends StatusLook {
  /** What the status means for the merchant, in a sentence. */
  hint: string;
}

const EMAIL_LOOKS: Record<string, EmailLook> = {
  pending: { tone: 'busy', label: 'Sending', hint: 'Being sent; retried automatically if the mail server is down.' },
  sent: { tone: 'good', label: 'Sent', hint: 'Delivered to the mail server.' },
  captured: {
    tone: 'neutral',
    label: 'Shown here',
    hint: 'Not sent: no mail server (SMTP) is configured, so it is kept and shown here instead.',
  },
  failed: { tone: 'bad', label: 'Failed', hint: 'Could not be sent after several attempts.' },
};

export function emailLook(status: string): EmailLook {
  return lookUp(EMAIL_LOOKS, status) ?? { tone: 'neutral', label: status, hint: '' };
}

// Catalog imports: the status, refined by whether some rows were rejected.

export function importLook(report: { status: string; rejected: number }): StatusLook {
  switch (report.status) {
    case 'completed':
      return report.rejected > 0 ? { tone: 'warn', label: 'Imported with problems' } : { tone: 'good', label: 'Imported' };
    case 'failed':
      return { tone: 'bad', label: 'Failed' };
    default:
      // Queued, staging, applying…: the page follows it until it finishes.
      return { tone: 'busy', label: 'Importing' };
  }
}

// The merchant's plan (dashboard home): trial, trial ended, or a paid plan.

export function planLook(trial: { expired: boolean; daysLeft: number | null; plan: string }): StatusLook & { status: string } {
  if (trial.expired) return { tone: 'bad', label: 'Trial ended', status: 'expired' };
  if (trial.plan === 'canceled') return { tone: 'bad', label: 'No plan', status: 'canceled' };
  if (trial.daysLeft !== null) return { tone: trial.daysLeft <= 3 ? 'warn' : 'busy', label: 'Free trial', status: 'trial' };
  return { tone: 'good', label: trial.plan, status: 'paid' };
}

// Billing page: where the merchant stands, why replies are paused, and Stripe's invoice statuses.

const BILLING_PHASE_LOOKS: Record<string, StatusLook> = {
  trialing: { tone: 'busy', label: 'Free trial' },
  trial_expired: { tone: 'bad', label: 'Trial ended' },
  subscribed: { tone: 'good', label: 'Active' },
  past_due: { tone: 'warn', label: 'Payment failed' },
  paused: { tone: 'bad', label: 'Replies paused' },
  canceled: { tone: 'bad', label: 'Subscription ended' },
};

export function billingPhaseLook(phase: string): StatusLook {
  return lookUp(BILLING_PHASE_LOOKS, phase) ?? { tone: 'neutral', label: phase.replaceAll('_', ' ') };
}

export interface RepliesPausedLook {
  title: string;
  /** What brings replies back, in a sentence; null for a reason this dashboard does not know (the API's message says it). */
  hint: string | null;
}

const REPLIES_PAUSED_LOOKS: Record<string, RepliesPausedLook> = {
  reply_limit: {
    title: 'AI replies are paused: this period’s replies are used up',
    hint: 'Customers’ messages are kept and shown in Conversations, so you can answer by hand. A larger plan resumes replies at once; otherwise they resume with the next period.',
  },
  trial_expired: {
    title: 'AI replies are paused: your free trial has ended',
    hint: 'Your catalog and conversations are kept. Choose a plan and the AI answers again at once.',
  },
  payment_required: {
    title: 'AI replies are paused until your payment goes through',
    hint: 'Pay the open invoice or update your card in “Manage billing”: replies resume as soon as Stripe has the payment.',
  },
  subscription_ended: {
    title: 'AI replies are paused: your subscription has ended',
    hint: 'Your catalog and conversations are kept. Choose a plan and the AI answers again at once.',
  },
};

export function repliesPausedLook(reason: string): RepliesPausedLook {
  return lookUp(REPLIES_PAUSED_LOOKS, reason) ?? { title: 'AI replies are paused', hint: null };
}

const INVOICE_LOOKS: Record<string, StatusLook> = {
  paid: { tone: 'good', label: 'Paid' },
  open: { tone: 'warn', label: 'Open' },
  draft: { tone: 'neutral', label: 'Draft' },
  uncollectible: { tone: 'bad', label: 'Uncollectible' },
  void: { tone: 'neutral', label: 'Void' },
};

export function invoiceLook(status: string): StatusLook {
  return lookUp(INVOICE_LOOKS, status) ?? { tone: 'neutral', label: status };
}

// Audit log: the areas offered as filters and how an actor reads.

export const AUDIT_AREA_OPTIONS: ReadonlyArray<{ value: string; label: string }> = [
  { value: 'auth.', label: 'Sign-in and accounts' },
  { value: 'integration.', label: 'WhatsApp connection' },
  { value: 'catalog.', label: 'Catalog' },
  { value: 'conversation.', label: 'Conversations' },
  { value: 'billing.', label: 'Billing' },
  { value: 'broadcast.', label: 'Broadcasts' },
  { value: 'ops.', label: 'Operators' },
  { value: 'audit.', label: 'Audit log exports' },
];

const ACTOR_TYPE_LABELS: Record<string, string> = {
  user: 'User',
  operator: 'WARA operator',
  admin: 'WARA operator',
  system: 'System',
  workflow: 'Workflow',
  webhook: 'Provider webhook',
};

/** Who did it, in one line: the person's email, the workflow's id, or what kind of actor it was. */
export function auditActorLabel(actor: { type: string; email: string | null; userId: string | null; workflowId: string | null }): string {
  if (actor.email) return actor.email;
  if (actor.workflowId) return actor.workflowId;
  const kind = lookUp(ACTOR_TYPE_LABELS, actor.type) ?? actor.type;
  return actor.userId ? `${kind} ${actor.userId}` : kind;
}

export function auditActorTypeLabel(type: string): string {
  return lookUp(ACTOR_TYPE_LABELS, type) ?? type;
}

// Credential tests and test alerts.

const CREDENTIAL_LOOKS: Record<string, StatusLook> = {
  ok: { tone: 'good', label: 'Works' },
  failed: { tone: 'bad', label: 'Failed' },
  not_configured: { tone: 'neutral', label: 'Not configured' },
  sent: { tone: 'good', label: 'Sent' },
};

export function credentialLook(status: string): StatusLook {
  return lookUp(CREDENTIAL_LOOKS, status) ?? unknownLook(status);
}

// Broadcasts, their recipients, and SMS numbers.

const BROADCAST_LOOKS: Record<string, StatusLook> = {
  draft: { tone: 'neutral', label: 'Draft' },
  scheduled: { tone: 'busy', label: 'Scheduled' },
  running: { tone: 'busy', label: 'Sending' },
  paused: { tone: 'warn', label: 'Paused' },
  completed: { tone: 'good', label: 'Sent' },
  cancelled: { tone: 'neutral', label: 'Cancelled' },
  failed: { tone: 'bad', label: 'Failed' },
};

export function broadcastLook(status: string): StatusLook {
  return lookUp(BROADCAST_LOOKS, status) ?? unknownLook(status);
}

/** The workflow's own phase, where it says more than the status (throttled by Twilio, waiting on billing). */
export function broadcastPhaseLook(progress: { phase: string; pausedBy: string | null }): StatusLook {
  if (progress.phase === 'throttled') return { tone: 'warn', label: 'Slowed down by Twilio' };
  if (progress.phase === 'paused' && progress.pausedBy === 'billing') return { tone: 'bad', label: 'Paused: billing' };
  if (progress.phase === 'starting') return { tone: 'busy', label: 'Starting' };
  return broadcastLook(progress.phase === 'sending' ? 'running' : progress.phase);
}

const RECIPIENT_LOOKS: Record<string, StatusLook> = {
  pending: { tone: 'neutral', label: 'Waiting' },
  sending: { tone: 'busy', label: 'Sending' },
  skipped: { tone: 'warn', label: 'Skipped' },
};

/** A recipient: waiting, skipped (opted out, cancelled), failed, or their message's delivery status. */
export function recipientLook(status: string): StatusLook {
  return lookUp(RECIPIENT_LOOKS, status) ?? messageStatusLook(status);
}

const SKIP_REASONS: Record<string, string> = {
  opted_out: 'Opted out before their turn',
  '21610': 'Opted out of this number (STOP)',
  cancelled: 'Broadcast cancelled',
  failed: 'Broadcast stopped',
};

/** Why a recipient got nothing or what went wrong, in a line (Twilio's codes worded like delivery problems). */
export function recipientProblem(recipient: { status: string; errorCode: string | null }): string | null {
  if (recipient.errorCode === null) return null;
  const reason = lookUp(SKIP_REASONS, recipient.errorCode);
  if (reason) return reason;
  return deliveryProblem({ status: 'failed', errorCode: recipient.errorCode, errorMessage: null });
}

const SMS_NUMBER_LOOKS: Record<string, StatusLook> = {
  buying: { tone: 'busy', label: 'Setting up' },
  active: { tone: 'good', label: 'Active' },
  releasing: { tone: 'busy', label: 'Releasing' },
  released: { tone: 'neutral', label: 'Released' },
  failed: { tone: 'bad', label: 'Failed' },
};

export function smsNumberLook(status: string): StatusLook {
  return lookUp(SMS_NUMBER_LOOKS, status) ?? unknownLook(status);
}
