import { z } from 'zod';
import { requestJson, type Fetch } from './api.ts';
import type { Tone } from '#lib/utilities/status-tone.ts';

// The contract of `GET /api/dashboard`: one call with every number on the dashboard home.

const isoDate = z.iso.datetime({ offset: true });

export const whatsappStatuses = [
  'not_connected',
  'connecting',
  'waiting_for_sender',
  'connected',
  'failed',
  'disconnected',
] as const;
export type WhatsAppStatus = (typeof whatsappStatuses)[number];

export const emailStatuses = ['pending', 'sent', 'captured', 'failed'] as const;
export type EmailStatus = (typeof emailStatuses)[number];

export const dashboardSchema = z.object({
  tenant: z.object({ name: z.string() }),
  whatsapp: z.object({
    // Strings, not enums: a state added later reads as itself instead of breaking the page.
    status: z.string(),
    phoneNumber: z.string().nullable(),
    lastError: z.string().nullable(),
  }),
  catalog: z.object({ productCount: z.number().int().nonnegative(), lastImportedAt: isoDate.nullable() }),
  conversations: z.object({
    total: z.number().int().nonnegative(),
    recent: z.array(
      z.object({
        id: z.string(),
        channel: z.string(),
        customerAddress: z.string(),
        customerName: z.string().nullable(),
        lastMessageAt: isoDate.nullable(),
        lastMessagePreview: z.string().nullable(),
      }),
    ),
  }),
  usage: z.object({
    periodStart: isoDate,
    replies: z.number().int().nonnegative(),
    limit: z.number().int().nonnegative().nullable(),
  }),
  trial: z.object({
    plan: z.string(),
    trialEndsAt: isoDate.nullable(),
    daysLeft: z.number().int().nonnegative().nullable(),
    expired: z.boolean(),
  }),
  emails: z.array(
    z.object({
      id: z.string(),
      to: z.string(),
      subject: z.string(),
      status: z.string(),
      createdAt: isoDate,
    }),
  ),
});

export type DashboardSummary = z.infer<typeof dashboardSchema>;
export type RecentConversation = DashboardSummary['conversations']['recent'][number];
export type OutboxEmail = DashboardSummary['emails'][number];

export function fetchDashboard(fetchFn?: Fetch): Promise<DashboardSummary> {
  return requestJson('/api/dashboard', dashboardSchema, { cache: 'no-store' }, fetchFn);
}

export type { Tone };

export interface WhatsAppLook {
  tone: Tone;
  label: string;
  nextStep: string;
  action: string;
}

/** How a connection state reads on the WhatsApp card, and what the merchant should do next. */
export function whatsappLookOf(status: string): WhatsAppLook {
  return (
    whatsappLooks[status as WhatsAppStatus] ?? {
      tone: 'neutral',
      label: status.replaceAll('_', ' '),
      nextStep: 'See the WhatsApp page for details.',
      action: 'Open WhatsApp',
    }
  );
}

/** How an outbox state reads in “Emails sent to you”. */
export function emailLookOf(status: string): { tone: Tone; label: string; hint: string } {
  return emailLooks[status as EmailStatus] ?? { tone: 'neutral', label: status, hint: '' };
}

const whatsappLooks: Record<WhatsAppStatus, WhatsAppLook> = {
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
};

const emailLooks: Record<EmailStatus, { tone: Tone; label: string; hint: string }> = {
  pending: { tone: 'busy', label: 'Sending', hint: 'Being sent; retried automatically if the mail server is down.' },
  sent: { tone: 'good', label: 'Sent', hint: 'Delivered to the mail server.' },
  captured: {
    tone: 'neutral',
    label: 'Shown here',
    hint: 'Not sent: no mail server (SMTP) is configured, so it is kept and shown here instead.',
  },
  failed: { tone: 'bad', label: 'Failed', hint: 'Could not be sent after several attempts.' },
};

/** Replies used as a share of the plan's limit (0–1), or null when the plan has no limit. */
export function usageShare(usage: DashboardSummary['usage']): number | null {
  if (usage.limit === null || usage.limit === 0) return null;
  return Math.min(1, usage.replies / usage.limit);
}
