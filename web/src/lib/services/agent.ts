import { z } from 'zod';
import { ApiError, requestJson, sendJson, type Fetch } from './api.ts';

// The contract of the API's `/api/agent/*` endpoints: the agent's versioned settings, its knowledge (FAQ
// entries and policies, written or uploaded), the "needs you" count, and the test chat.

const isoDate = z.iso.datetime({ offset: true });

export const TONES = ['friendly', 'concise', 'formal', 'playful'] as const;
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const KNOWLEDGE_KINDS = ['faq', 'policy'] as const;
export const KNOWLEDGE_TOPICS = ['shipping', 'returns', 'payments', 'hours', 'address', 'other'] as const;

const interval = z.object({ from: z.string(), to: z.string() });

export const agentSettingsSchema = z.object({
  name: z.string(),
  tone: z.enum(TONES),
  instructions: z.string(),
  greeting: z.string(),
  languages: z.array(z.string()),
  businessHours: z.object({
    enabled: z.boolean(),
    timeZone: z.string(),
    weekly: z.object({ mon: z.array(interval), tue: z.array(interval), wed: z.array(interval), thu: z.array(interval), fri: z.array(interval), sat: z.array(interval), sun: z.array(interval) }),
    holidays: z.array(z.string()),
    outsideHours: z.enum(['answer', 'away']),
    awayMessage: z.string(),
  }),
  handoff: z.object({ onRequest: z.boolean(), afterFallbacks: z.boolean(), keywords: z.array(z.string()), message: z.string() }),
});
export type AgentSettings = z.infer<typeof agentSettingsSchema>;

export const agentSettingsResponseSchema = z.object({
  version: z.number().int().nullable(),
  savedAt: isoDate.nullable(),
  settings: agentSettingsSchema,
  versions: z.array(z.object({ version: z.number().int(), savedAt: isoDate, byUserId: z.string().nullable() })),
});
export type AgentSettingsResponse = z.infer<typeof agentSettingsResponseSchema>;

export const knowledgeItemSchema = z.object({
  id: z.string(),
  kind: z.enum(KNOWLEDGE_KINDS),
  topic: z.enum(KNOWLEDGE_TOPICS),
  title: z.string(),
  body: z.string(),
  source: z.enum(['written', 'upload']),
  fileName: z.string().nullable(),
  byteSize: z.number().int().nullable(),
  pageCount: z.number().int().nullable(),
  passages: z.number().int(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type KnowledgeItem = z.infer<typeof knowledgeItemSchema>;
export const knowledgeListSchema = z.object({ items: z.array(knowledgeItemSchema) });
export const attentionSchema = z.object({ needsYou: z.number().int() });

export const testChatAnswerSchema = z.object({
  body: z.string(),
  outcome: z.enum(['answer', 'fallback', 'handoff', 'opt_out']),
  handoff: z.object({ reason: z.string(), description: z.string(), keyword: z.string().nullable() }).nullable(),
  away: z.object({ message: z.string(), opensAt: isoDate.nullable() }).nullable(),
  language: z.string(),
  /** The language the answer was written in (the first allowed one when the customer's is not allowed). */
  answerLanguage: z.string(),
  intent: z.string(),
  check: z.object({ verdict: z.enum(['passed', 'corrected', 'failed', 'not_needed']), problems: z.array(z.string()) }),
  sources: z.object({
    products: z.array(z.object({ sku: z.string(), name: z.string(), price: z.string().nullable(), currency: z.string() })),
    knowledge: z.array(z.object({ documentId: z.string(), title: z.string(), kind: z.string(), topic: z.string() })),
  }),
  agentVersion: z.number().int().nullable(),
  tokens: z.object({ prompt: z.number(), completion: z.number() }),
  latencyMs: z.number(),
});
export type TestChatAnswer = z.infer<typeof testChatAnswerSchema>;
export const testChatResponseSchema = z.object({ answer: testChatAnswerSchema });

export interface KnowledgeDraft {
  kind: (typeof KNOWLEDGE_KINDS)[number];
  topic: (typeof KNOWLEDGE_TOPICS)[number];
  title: string;
  body: string;
}

export const ACCEPTED_KNOWLEDGE_FILES = '.pdf,.md,.markdown,.txt,application/pdf,text/markdown,text/plain';

export function fetchAgentSettings(fetchFn?: Fetch): Promise<AgentSettingsResponse> {
  return requestJson('/api/agent/settings', agentSettingsResponseSchema, { cache: 'no-store' }, fetchFn);
}

export function saveAgentSettings(baseVersion: number | null, settings: AgentSettings): Promise<AgentSettingsResponse> {
  return sendJson('/api/agent/settings', agentSettingsResponseSchema, { baseVersion, settings }, { method: 'PUT' });
}

export async function fetchKnowledge(fetchFn?: Fetch): Promise<KnowledgeItem[]> {
  return (await requestJson('/api/agent/knowledge', knowledgeListSchema, { cache: 'no-store' }, fetchFn)).items;
}

export function addKnowledge(draft: KnowledgeDraft): Promise<KnowledgeItem> {
  return sendJson('/api/agent/knowledge', knowledgeItemSchema, draft);
}

export function updateKnowledge(id: string, draft: KnowledgeDraft): Promise<KnowledgeItem> {
  return sendJson(`/api/agent/knowledge/${encodeURIComponent(id)}`, knowledgeItemSchema, draft, { method: 'PUT' });
}

export async function deleteKnowledge(id: string): Promise<void> {
  await requestJson(`/api/agent/knowledge/${encodeURIComponent(id)}`, z.unknown(), { method: 'DELETE' });
}

/** The type the API reads the file as; browsers leave .md untyped. */
export function knowledgeContentType(file: { name: string; type: string }): string {
  const name = file.name.toLowerCase();
  if (name.endsWith('.pdf')) return 'application/pdf';
  if (name.endsWith('.md') || name.endsWith('.markdown')) return 'text/markdown';
  if (name.endsWith('.txt')) return 'text/plain';
  return file.type || 'application/octet-stream';
}

/** Sends the file itself as the body; the API reads its text (PDF.js for PDFs) and stores it as one document. */
export function uploadKnowledge(file: File, options: { kind: KnowledgeDraft['kind']; topic: KnowledgeDraft['topic']; title?: string }): Promise<KnowledgeItem> {
  const query = new URLSearchParams({ fileName: file.name, kind: options.kind, topic: options.topic });
  if (options.title?.trim()) query.set('title', options.title.trim());
  return requestJson(`/api/agent/knowledge/uploads?${query}`, knowledgeItemSchema, {
    method: 'POST',
    headers: { 'content-type': knowledgeContentType(file) },
    body: file,
  });
}

export async function fetchNeedsYou(fetchFn?: Fetch): Promise<number> {
  return (await requestJson('/api/agent/attention', attentionSchema, { cache: 'no-store' }, fetchFn)).needsYou;
}

export async function askTestChat(message: string, history: Array<{ role: 'customer' | 'agent'; text: string }>): Promise<TestChatAnswer> {
  return (await sendJson('/api/agent/test-chat', testChatResponseSchema, { message, history })).answer;
}

/** An API refusal's message, or a fallback sentence for anything else. */
export function describeAgentError(error: unknown, fallback: string): string {
  return error instanceof ApiError ? error.message : fallback;
}

export const TOPIC_LABELS: Record<(typeof KNOWLEDGE_TOPICS)[number], string> = {
  shipping: 'Shipping and delivery',
  returns: 'Returns and refunds',
  payments: 'Payment methods',
  hours: 'Opening hours',
  address: 'Address and pick-up',
  other: 'Other',
};

export const TONE_LABELS: Record<(typeof TONES)[number], string> = {
  friendly: 'Friendly',
  concise: 'Concise',
  formal: 'Formal',
  playful: 'Playful',
};

export const WEEKDAY_LABELS: Record<Weekday, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };

/** Languages the form offers (any ISO 639-1 code is accepted by the API). */
export const LANGUAGE_OPTIONS: Array<{ code: string; label: string }> = [
  { code: 'en', label: 'English' },
  { code: 'es', label: 'Spanish' },
  { code: 'pt', label: 'Portuguese' },
  { code: 'fr', label: 'French' },
  { code: 'de', label: 'German' },
  { code: 'it', label: 'Italian' },
  { code: 'nl', label: 'Dutch' },
  { code: 'ar', label: 'Arabic' },
  { code: 'hi', label: 'Hindi' },
  { code: 'id', label: 'Indonesian' },
  { code: 'tr', label: 'Turkish' },
  { code: 'zh', label: 'Chinese' },
];

export const HANDOFF_REASON_LABELS: Record<string, string> = {
  customer_asked: 'Asked for a person',
  keyword: 'Wrote a hand-off keyword',
  repeated_fallback: 'The AI could not answer twice',
  window_closed_while_away: "Wrote while you were closed; WhatsApp's 24-hour window ran out before you opened",
};

/** What the customer was told when the conversation was handed over, by reason. */
export function handoffToldLine(reason: string | null): string {
  return reason === 'window_closed_while_away'
    ? 'the customer was told someone will see it; until they write again, only an approved template can reach them.'
    : 'the customer was told someone will follow up.';
}
