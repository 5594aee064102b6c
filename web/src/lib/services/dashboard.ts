import { z } from 'zod';
import { requestJson, type Fetch } from './api.ts';
import { backlogSchema, NO_BACKLOG } from './conversations.ts';

// The contract of `GET /api/dashboard`: one call with every number on the dashboard home. How its
// statuses read (WhatsApp connection, emails, plan) lives in `utilities/status-look.ts`.

const isoDate = z.iso.datetime({ offset: true });

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
  // Why AI replies are paused, if they are (the reply gate's reason): the home page's banner. Defaulted, so an
  // API from before it still parses.
  replies: z
    .object({ paused: z.boolean(), reason: z.string().nullable(), message: z.string().nullable() })
    .default({ paused: false, reason: null, message: null }),
  // Replies delayed under load (the Conversations feed carries the same). Defaulted like `replies`.
  backlog: backlogSchema.default(() => ({ ...NO_BACKLOG })),
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

/** Replies used as a share of the plan's limit (0–1), or null when the plan has no limit. */
export function usageShare(usage: DashboardSummary['usage']): number | null {
  if (usage.limit === null || usage.limit === 0) return null;
  return Math.min(1, usage.replies / usage.limit);
}
