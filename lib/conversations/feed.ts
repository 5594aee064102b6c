// The dashboard's view of messages and conversations: response shapes (zod, so the API's types and its
// validation are one thing) and the mapping from rows. Sources are the products the AI was shown.
import { z } from 'zod';
import { serviceWindow } from './window.js';

export const sourceSchema = z.object({
  productId: z.string(),
  sku: z.string(),
  name: z.string(),
  price: z.string().nullable(),
  currency: z.string(),
  rank: z.number(),
});

export const messageItemSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  source: z.enum(['customer', 'ai', 'human', 'system', 'template', 'broadcast']),
  status: z.string(),
  body: z.string(),
  createdAt: z.string(),
  statusUpdatedAt: z.string().nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  fallback: z.boolean(),
  /** Inbound only: why no AI reply was sent (lib/conversations/no-reply.ts); null when answered or pending. */
  noReplyReason: z.string().nullable(),
  customer: z.object({ address: z.string(), name: z.string().nullable(), channel: z.enum(['whatsapp', 'sms']) }),
});

export const threadMessageSchema = messageItemSchema.extend({
  providerMessageSid: z.string().nullable(),
  replyToMessageSid: z.string().nullable(),
  contentSid: z.string().nullable(),
  model: z.string().nullable(),
  tokens: z.object({ prompt: z.number().nullable(), completion: z.number().nullable() }),
  latencyMs: z.number().nullable(),
  sources: z.array(sourceSchema),
  /** Why the model's draft was replaced or why no draft exists (OpenAI down), when it was. */
  fallbackReason: z.string().nullable(),
  /** The reply workflow in the Temporal UI (AI replies only). */
  workflowUrl: z.string().nullable(),
});

export const windowSchema = z.object({ open: z.boolean(), expiresAt: z.string().nullable() });

export const conversationSummarySchema = z.object({
  id: z.string(),
  channel: z.enum(['whatsapp', 'sms']),
  customerAddress: z.string(),
  customerName: z.string().nullable(),
  lastMessageAt: z.string().nullable(),
  lastMessagePreview: z.string().nullable(),
  aiPaused: z.boolean(),
  optedOut: z.boolean(),
  window: windowSchema,
});

export interface MessageRow {
  id: string;
  conversationId: string;
  direction: 'inbound' | 'outbound';
  source: 'customer' | 'ai' | 'human' | 'system' | 'template' | 'broadcast';
  status: string;
  body: string;
  createdAt: Date;
  statusUpdatedAt: Date | null;
  errorCode: string | null;
  errorMessage: string | null;
  fallback: boolean;
  noReplyReason: string | null;
}

export interface ConversationRowForFeed {
  id: string;
  channel: 'whatsapp' | 'sms';
  customerAddress: string;
  customerName: string | null;
  lastMessageAt: Date | null;
  lastInboundAt: Date | null;
  aiPaused: boolean;
  optedOut: boolean;
}

export function toMessageItem(m: MessageRow, c: Pick<ConversationRowForFeed, 'channel' | 'customerAddress' | 'customerName'>): z.infer<typeof messageItemSchema> {
  return {
    id: m.id,
    conversationId: m.conversationId,
    direction: m.direction,
    source: m.source,
    status: m.status,
    body: m.body,
    createdAt: m.createdAt.toISOString(),
    statusUpdatedAt: m.statusUpdatedAt?.toISOString() ?? null,
    errorCode: m.errorCode,
    // A numeric code is Twilio's: its own text (kept for operators) is not shown; the dashboard words the
    // code. Our own codes (opted_out, outside_window…) come with our own words.
    errorMessage: m.errorCode !== null && /^\d+$/.test(m.errorCode) ? null : m.errorMessage,
    fallback: m.fallback,
    noReplyReason: m.noReplyReason,
    customer: { address: c.customerAddress, name: c.customerName, channel: c.channel },
  };
}

/**
 * The gate's bookkeeping row (an AI intent with no text, recorded so a retried reply finds the decision):
 * not a message anyone wrote. The customer's message carries the reason instead, so lists leave these out.
 */
export const NOT_A_MESSAGE = { NOT: { source: 'ai', status: 'not_sent', body: '' } } as const;

export function toConversationSummary(c: ConversationRowForFeed, lastBody: string | null, now: number): z.infer<typeof conversationSummarySchema> {
  return {
    id: c.id,
    channel: c.channel,
    customerAddress: c.customerAddress,
    customerName: c.customerName,
    lastMessageAt: c.lastMessageAt?.toISOString() ?? null,
    lastMessagePreview: lastBody === null ? null : lastBody.slice(0, 140),
    aiPaused: c.aiPaused,
    optedOut: c.optedOut,
    window: c.channel === 'sms' ? { open: true, expiresAt: null } : serviceWindow(c.lastInboundAt, now),
  };
}

const storedSources = z.array(sourceSchema.partial({ price: true, currency: true })).catch([]);
const storedPrompt = z.object({ fallbackReason: z.string().nullable().optional() }).catch({});

/** Sources and fallback reason read defensively: older rows or other writers may not have them. */
export function replyDetails(productsUsed: unknown, prompt: unknown) {
  const sources = storedSources.parse(productsUsed ?? []).map((s) => ({ ...s, price: s.price ?? null, currency: s.currency ?? '' }));
  return { sources, fallbackReason: storedPrompt.parse(prompt ?? {}).fallbackReason ?? null };
}
