import { z } from 'zod';
import { requestJson, sendJson, type Fetch } from './api.ts';

// The contract of the API's `/api/messages` and `/api/conversations/*` endpoints (the activity feed, a
// conversation's thread, takeover / resume / manual reply). Status and source stay strings where a value
// added later should read as itself instead of breaking the page.

const isoDate = z.iso.datetime({ offset: true });
// Becomes an href: only http(s), never `javascript:`.
const httpUrl = z.url({ protocol: /^https?$/ });

export const MESSAGE_STATUSES = ['received', 'queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'undelivered', 'not_sent'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const messageSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  source: z.string(),
  status: z.string(),
  body: z.string(),
  createdAt: isoDate,
  statusUpdatedAt: isoDate.nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  fallback: z.boolean(),
  /** Inbound only: why no AI reply went out (opted out, taken over, trial ended…); null when answered or pending. */
  noReplyReason: z.string().nullable(),
  customer: z.object({ address: z.string(), name: z.string().nullable(), channel: z.string() }),
  /** The agent handed this conversation to the merchant (hand-off rules) and it waits for them. */
  needsYou: z.boolean(),
});

export const sourceSchema = z.object({
  productId: z.string(),
  sku: z.string(),
  name: z.string(),
  price: z.string().nullable(),
  currency: z.string(),
  rank: z.number(),
});

export const threadMessageSchema = messageSchema.extend({
  providerMessageSid: z.string().nullable(),
  replyToMessageSid: z.string().nullable(),
  contentSid: z.string().nullable(),
  model: z.string().nullable(),
  tokens: z.object({ prompt: z.number().nullable(), completion: z.number().nullable() }),
  latencyMs: z.number().nullable(),
  sources: z.array(sourceSchema),
  fallbackReason: z.string().nullable(),
  workflowUrl: httpUrl.nullable(),
  /** SMS only: the segments the message is billed as; null on WhatsApp. */
  segments: z.number().int().nullable(),
  /** The agent settings version that produced the reply (null: the defaults, or not an AI reply). */
  agentVersion: z.number().int().nullable(),
  /** The merchant's policies and FAQ answers the AI was shown. */
  knowledgeSources: z.array(z.object({ documentId: z.string(), title: z.string(), kind: z.string(), topic: z.string(), rank: z.number() })),
});

export const windowSchema = z.object({ open: z.boolean(), expiresAt: isoDate.nullable() });

export const conversationSchema = z.object({
  id: z.string(),
  channel: z.string(),
  customerAddress: z.string(),
  customerName: z.string().nullable(),
  lastMessageAt: isoDate.nullable(),
  lastMessagePreview: z.string().nullable(),
  aiPaused: z.boolean(),
  optedOut: z.boolean(),
  window: windowSchema,
  /** Handed to the merchant by the agent's hand-off rules: since when, and why. */
  needsYou: z.object({ since: isoDate, reason: z.string().nullable() }).nullable(),
  optedOutAt: isoDate.nullable(),
  takeover: z.object({ aiPaused: z.boolean(), since: isoDate.nullable(), by: z.string().nullable() }),
  // The Temporal UI link comes only to operators; merchants get null.
  workflow: z.object({ id: z.string(), url: httpUrl.nullable() }),
});

// Customer messages waiting for an AI reply under load, and those the AI did not answer because too many were
// waiting (the API's lib/conversations/reply-backlog.ts): the home and Conversations pages say replies are delayed.
export const backlogSchema = z.object({
  waiting: z.number().int().nonnegative(),
  oldestWaitingSeconds: z.number().int().nonnegative().nullable(),
  delayed: z.boolean(),
  notAnsweredLastHour: z.number().int().nonnegative(),
});
export const NO_BACKLOG: ReplyBacklog = { waiting: 0, oldestWaitingSeconds: null, delayed: false, notAnsweredLastHour: 0 };
export const feedSchema = z.object({
  items: z.array(messageSchema),
  nextCursor: z.string().nullable(),
  serverTime: isoDate,
  // Defaulted: an API from before it still parses.
  backlog: backlogSchema.default(() => ({ ...NO_BACKLOG })),
});
export const threadSchema = z.object({ conversation: conversationSchema, messages: z.array(threadMessageSchema) });
const takeoverSchema = z.object({ id: z.string(), aiPaused: z.boolean() });
const manualReplySchema = z.object({ message: messageSchema });

export type Message = z.infer<typeof messageSchema>;
export type Source = z.infer<typeof sourceSchema>;
export type ThreadMessage = z.infer<typeof threadMessageSchema>;
export type Conversation = z.infer<typeof conversationSchema>;
export type Thread = z.infer<typeof threadSchema>;
export type FeedPage = z.infer<typeof feedSchema>;
export type ReplyBacklog = z.infer<typeof backlogSchema>;

export interface FeedFilters {
  direction: '' | 'inbound' | 'outbound';
  status: '' | MessageStatus;
  q: string;
  /** Only conversations the agent handed to the merchant. */
  needsYou: boolean;
}

export const NO_FILTERS: FeedFilters = { direction: '', status: '', q: '', needsYou: false };

export function fetchFeed(
  options: { filters: FeedFilters; cursor?: string | null; since?: string; limit?: number },
  fetchFn?: Fetch,
): Promise<FeedPage> {
  const params = new URLSearchParams({ limit: String(options.limit ?? 30) });
  const { direction, status, q } = options.filters;
  if (direction) params.set('direction', direction);
  if (status) params.set('status', status);
  if (q.trim() !== '') params.set('q', q.trim());
  if (options.filters.needsYou) params.set('needsYou', 'true');
  if (options.cursor) params.set('cursor', options.cursor);
  if (options.since) params.set('since', options.since);
  return requestJson(`/api/messages?${params}`, feedSchema, { cache: 'no-store' }, fetchFn);
}

export function fetchThread(id: string, fetchFn?: Fetch): Promise<Thread> {
  return requestJson(`/api/conversations/${encodeURIComponent(id)}`, threadSchema, { cache: 'no-store' }, fetchFn);
}

/** `takeover` pauses the AI for this conversation; `resume` hands it back. */
export async function setTakeover(id: string, action: 'takeover' | 'resume'): Promise<boolean> {
  return (await sendJson(`/api/conversations/${encodeURIComponent(id)}/${action}`, takeoverSchema, {})).aiPaused;
}

export async function sendManualReply(id: string, body: string): Promise<Message> {
  return (await sendJson(`/api/conversations/${encodeURIComponent(id)}/reply`, manualReplySchema, { body })).message;
}

/** Newest first, the feed's order: by creation time, then id (the API's tie-break). */
export function newestFirst(a: Pick<Message, 'createdAt' | 'id'>, b: Pick<Message, 'createdAt' | 'id'>): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * Merges a poll's answer into what is shown: known messages are replaced in place (a status moved on),
 * new ones are added, order stays newest first. `keep` drops what no longer matches the filters.
 */
export function mergeMessages<M extends Message>(shown: M[], incoming: M[], keep: (m: M) => boolean = () => true): M[] {
  const byId = new Map(shown.map((m) => [m.id, m]));
  for (const message of incoming) byId.set(message.id, message);
  return [...byId.values()].filter(keep).sort(newestFirst);
}

export function matchesFilters(message: Message, filters: FeedFilters): boolean {
  if (filters.direction && message.direction !== filters.direction) return false;
  if (filters.status && message.status !== filters.status) return false;
  if (filters.needsYou && !message.needsYou) return false;
  return true;
}

/** `whatsapp:+15551234567` → `+15551234567`: the prefix is Twilio's address form, not the person's. */
export function displayAddress(address: string): string {
  return address.replace(/^(whatsapp|sms):/i, '');
}

export function customerLabel(customer: { name: string | null; address: string }): string {
  return customer.name ?? displayAddress(customer.address);
}
