import type { Tone } from '#lib/services/dashboard.ts';
import type { Message } from '#lib/services/conversations.ts';

// How a message's delivery status, source and direction read on the page: one colour and one label each.
// Unknown words (a status added later) show as themselves in a neutral colour.

const STATUS_LOOK: Record<string, { tone: Tone; label: string }> = {
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

export const STATUS_FILTER_OPTIONS: Array<{ value: string; label: string }> = Object.entries(STATUS_LOOK).map(([value, look]) => ({
  value,
  label: look.label,
}));

export function statusLook(status: string): { tone: Tone; label: string } {
  return STATUS_LOOK[status] ?? { tone: 'neutral', label: status.replaceAll('_', ' ') };
}

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

/**
 * Why a message did not arrive, in a line: Twilio's error code (which the merchant can look up) and what
 * it means, or the reason WARA did not send it (outside the 24-hour window, opted out, trial ended…).
 */
export function statusProblem(message: Pick<Message, 'status' | 'errorCode' | 'errorMessage'>): string | null {
  if (!['failed', 'undelivered', 'not_sent'].includes(message.status)) return null;
  const code = message.errorCode;
  const numeric = code !== null && /^\d+$/.test(code);
  const label = code === null ? null : numeric ? `Error ${code}` : code.replaceAll('_', ' ');
  const meaning = message.errorMessage ?? (numeric ? (TWILIO_ERRORS[code] ?? null) : null);
  const parts = [label, meaning].filter((part): part is string => Boolean(part));
  return parts.length > 0 ? parts.join(': ') : null;
}

const SOURCE_LABEL: Record<string, string> = {
  customer: 'Customer',
  ai: 'AI',
  human: 'Human',
  system: 'System',
  template: 'Template',
  broadcast: 'Broadcast',
};

export function sourceLabel(source: string): string {
  return SOURCE_LABEL[source] ?? source;
}
