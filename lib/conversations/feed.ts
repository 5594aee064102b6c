// The dashboard's view of messages and conversations: response shapes (zod, so the API's types and its
// validation are one thing) and the mapping from rows. Sources are the products the AI was shown.
import { z } from 'zod';
import { knowledgeSourceSchema } from '../agent/reply-details.js';
import { countSmsSegments } from '../sms/segments.js';
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
  /** The conversation was handed to the merchant by the agent's rules and waits for them. */
  needsYou: z.boolean(),
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
  /** SMS only: the segments the message is billed as (GSM-7 / UCS-2, lib/sms/segments.ts); null on WhatsApp. */
  segments: z.number().nullable(),
  /** The agent settings version that produced the reply (null: the defaults, or not an AI reply). */
  agentVersion: z.number().nullable(),
  /** The merchant's policies and FAQ answers the AI was shown (sources beside the products). */
  knowledgeSources: z.array(knowledgeSourceSchema),
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
  /** Handed to the merchant by the agent (hand-off rules): since when, and why. */
  needsYou: z.object({ since: z.string(), reason: z.string().nullable() }).nullable(),
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
  needsAttentionAt?: Date | null;
  handoffReason?: string | null;
}

export function toMessageItem(
  m: MessageRow,
  c: Pick<ConversationRowForFeed, 'channel' | 'customerAddress' | 'customerName' | 'needsAttentionAt'>,
): z.infer<typeof messageItemSchema> {
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
    needsYou: (c.needsAttentionAt ?? null) !== null,
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
    needsYou: c.needsAttentionAt ? { since: c.needsAttentionAt.toISOString(), reason: c.handoffReason ?? null } : null,
  };
}

const storedSources = z.array(sourceSchema.partial({ price: true, currency: true })).catch([]);
const storedPrompt = z.object({ fallbackReason: z.string().nullable().optional() }).catch({});

/** Sources and fallback reason read defensively: older rows or other writers may not have them. */
export function replyDetails(productsUsed: unknown, prompt: unknown) {
  const sources = storedSources.parse(productsUsed ?? []).map((s) => ({ ...s, price: s.price ?? null, currency: s.currency ?? '' }));
  return { sources, fallbackReason: storedPrompt.parse(prompt ?? {}).fallbackReason ?? null };
}

/** An SMS message's segments (text only: a picture makes it one MMS); null on WhatsApp. */
export function smsSegmentsOf(channel: 'whatsapp' | 'sms', message: { body: string; media: unknown }): number | null {
  if (channel !== 'sms') return null;
  return Array.isArray(message.media) && message.media.length > 0 ? 1 : countSmsSegments(message.body).segments;
}
