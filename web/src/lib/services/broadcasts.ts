import { z } from 'zod';
import { requestJson, sendJson, type Fetch } from './api.ts';

// The contract of the API's `/api/broadcasts` endpoints: the list, templates, preview, create, progress with
// its recipients, and pause / resume / cancel. Answers are validated, so a surprise reads as an error.

const isoDate = z.iso.datetime({ offset: true });
const httpUrl = z.url({ protocol: /^https?$/ });
const channel = z.enum(['whatsapp', 'sms']);

export const countsSchema = z.object({
  total: z.number().int(),
  pending: z.number().int(),
  sent: z.number().int(),
  delivered: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
});

export const broadcastSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  channel,
  status: z.string(),
  scheduledAt: isoDate.nullable(),
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
  createdAt: isoDate,
  ratePerSecond: z.number().nullable(),
  counts: countsSchema,
  lastError: z.string().nullable(),
});

export const sendersSchema = z.object({
  whatsapp: z.object({ ready: z.boolean(), ratePerSecond: z.number(), reason: z.string().nullable() }),
  sms: z.object({ ready: z.boolean(), ratePerSecond: z.number(), numbers: z.number().int(), reason: z.string().nullable() }),
});

export const broadcastListSchema = z.object({ items: z.array(broadcastSummarySchema), senders: sendersSchema });

export const templatesSchema = z.object({
  templates: z.array(
    z.object({ contentSid: z.string(), friendlyName: z.string(), language: z.string(), body: z.string(), placeholders: z.array(z.string()), approval: z.string() }),
  ),
});

export const previewSchema = z.object({
  recipients: z.number().int(),
  ratePerSecond: z.number(),
  estimatedSeconds: z.number(),
  sample: z
    .object({
      to: z.string(),
      name: z.string().nullable(),
      text: z.string(),
      segments: z.object({ count: z.number().int(), encoding: z.enum(['GSM-7', 'UCS-2']), characters: z.number().int() }).nullable(),
    })
    .nullable(),
  problems: z.array(z.string()),
});

export const progressSchema = z.object({
  phase: z.string(),
  processed: z.number().int(),
  effectiveRate: z.number(),
  pausedBy: z.enum(['merchant', 'billing']).nullable(),
  pausedReason: z.string().nullable(),
  throttledUntil: isoDate.nullable(),
  lastThrottleCode: z.string().nullable(),
  batches: z.number().int(),
  run: z.number().int(),
});

export const broadcastDetailSchema = z.object({
  broadcast: broadcastSummarySchema.extend({
    audience: z.object({
      tags: z.array(z.string()),
      tagMatch: z.enum(['any', 'all']),
      contactedWithinDays: z.number().nullable(),
      notContactedForDays: z.number().nullable(),
    }),
    contentSid: z.string().nullable(),
    body: z.string().nullable(),
  }),
  progress: progressSchema.nullable(),
  /** Operators only: merchants get null. */
  workflow: z.object({ id: z.string(), url: httpUrl.nullable() }),
});

export const recipientPageSchema = z.object({
  items: z.array(
    z.object({
      seq: z.number().int(),
      conversationId: z.string(),
      address: z.string(),
      name: z.string().nullable(),
      status: z.string(),
      errorCode: z.string().nullable(),
      updatedAt: isoDate,
    }),
  ),
  nextCursor: z.string().nullable(),
});

const actionSchema = z.object({ id: z.string(), status: z.string() });

export type BroadcastSummary = z.infer<typeof broadcastSummarySchema>;
export type BroadcastList = z.infer<typeof broadcastListSchema>;
export type Senders = z.infer<typeof sendersSchema>;
export type Template = z.infer<typeof templatesSchema>['templates'][number];
export type Preview = z.infer<typeof previewSchema>;
export type BroadcastDetail = z.infer<typeof broadcastDetailSchema>;
export type RecipientPage = z.infer<typeof recipientPageSchema>;
export type Recipient = RecipientPage['items'][number];
export type Counts = z.infer<typeof countsSchema>;
export type Channel = z.infer<typeof channel>;

export type VariableSpec = { field: 'first_name'; fallback: string } | { text: string };

export interface Audience {
  tags: string[];
  tagMatch: 'any' | 'all';
  contactedWithinDays: number | null;
  notContactedForDays: number | null;
}

export interface MessageDraft {
  channel: Channel;
  audience: Audience;
  contentSid?: string;
  variables?: Record<string, VariableSpec>;
  text?: string;
}

export const RECIPIENT_FILTERS = ['pending', 'sent', 'delivered', 'failed', 'skipped'] as const;
export type RecipientFilter = (typeof RECIPIENT_FILTERS)[number];

export function fetchBroadcasts(fetchFn?: Fetch): Promise<BroadcastList> {
  return requestJson('/api/broadcasts', broadcastListSchema, { cache: 'no-store' }, fetchFn);
}

export function fetchTemplates(): Promise<z.infer<typeof templatesSchema>> {
  return requestJson('/api/broadcasts/templates', templatesSchema, { cache: 'no-store' });
}

export function previewBroadcast(draft: MessageDraft): Promise<Preview> {
  return sendJson('/api/broadcasts/preview', previewSchema, draft);
}

export function createBroadcast(draft: MessageDraft & { name: string; scheduledAt: string | null }): Promise<BroadcastDetail> {
  return sendJson('/api/broadcasts', broadcastDetailSchema, draft);
}

export function fetchBroadcast(id: string): Promise<BroadcastDetail> {
  return requestJson(`/api/broadcasts/${encodeURIComponent(id)}`, broadcastDetailSchema, { cache: 'no-store' });
}

export function fetchRecipients(id: string, options: { cursor?: string | null; status?: RecipientFilter | null; limit?: number } = {}): Promise<RecipientPage> {
  const query = new URLSearchParams({ limit: String(options.limit ?? 50) });
  if (options.cursor) query.set('cursor', options.cursor);
  if (options.status) query.set('status', options.status);
  return requestJson(`/api/broadcasts/${encodeURIComponent(id)}/recipients?${query}`, recipientPageSchema, { cache: 'no-store' });
}

export type BroadcastAction = 'pause' | 'resume' | 'cancel';

export function actOnBroadcast(id: string, action: BroadcastAction): Promise<z.infer<typeof actionSchema>> {
  return sendJson(`/api/broadcasts/${encodeURIComponent(id)}/${action}`, actionSchema, {});
}

/** Still doing something: the progress page keeps polling while this is true. */
export function isActive(status: string): boolean {
  return status === 'scheduled' || status === 'running' || status === 'paused' || status === 'draft';
}

/** Share of recipients handled (sent, failed or skipped), 0–100. */
export function percentDone(counts: Counts): number {
  if (counts.total === 0) return 100;
  return Math.round(((counts.total - counts.pending) / counts.total) * 100);
}
