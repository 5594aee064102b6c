// The dashboard's test chat: the merchant asks as a customer would, and sees what the agent would answer, its
// sources and the answer check's verdict. It runs the live reply's own composition (lib/ai/compose-reply.ts)
// in a short workflow's activity, but nothing is stored, sent or counted: no conversation row, no message,
// no usage. These are its input and answer, shared by the API, the workflow contract and the activity.
import { z } from 'zod';
import type { ComposedReply } from '../ai/compose-reply.js';
import { optOutConfirmation } from '../conversations/opt-out.js';
import { describeHandoff } from './handoff.js';
import { knowledgeSources } from './knowledge-retrieve.js';

/** Earlier exchanges of the test chat the model sees (as a live reply sees HISTORY_LIMIT messages). */
export const TEST_CHAT_HISTORY = 12;
export const TEST_CHAT_MESSAGE_CHARS = 1000;

export const testChatRequestSchema = z.object({
  message: z.string().trim().min(1, 'Write a question first.').max(TEST_CHAT_MESSAGE_CHARS, `at most ${TEST_CHAT_MESSAGE_CHARS} characters`),
  history: z
    .array(z.object({ role: z.enum(['customer', 'agent']), text: z.string().max(2000) }))
    .max(40)
    .default([]),
});
export type TestChatRequest = z.infer<typeof testChatRequestSchema>;

export interface TestChatInput {
  tenantId: string;
  message: string;
  history: TestChatRequest['history'];
  /** The workflow's clock: business hours are judged at this instant, like a live turn. */
  at: number;
}

export const testChatAnswerSchema = z.object({
  body: z.string(),
  outcome: z.enum(['answer', 'fallback', 'handoff', 'opt_out']),
  handoff: z.object({ reason: z.string(), description: z.string(), keyword: z.string().nullable() }).nullable(),
  /** The shop is closed and the merchant chose an away message: what a customer would get first. */
  away: z.object({ message: z.string(), opensAt: z.string().nullable() }).nullable(),
  /** The customer's language, as the turn was understood. */
  language: z.string(),
  /** The language the answer was written in: the customer's, or the first the merchant allows. */
  answerLanguage: z.string(),
  intent: z.string(),
  check: z.object({ verdict: z.enum(['passed', 'corrected', 'failed', 'not_needed']), problems: z.array(z.string()) }),
  sources: z.object({
    products: z.array(z.object({ sku: z.string(), name: z.string(), price: z.string().nullable(), currency: z.string() })),
    knowledge: z.array(z.object({ documentId: z.string(), title: z.string(), kind: z.string(), topic: z.string() })),
  }),
  agentVersion: z.number().nullable(),
  tokens: z.object({ prompt: z.number(), completion: z.number() }),
  latencyMs: z.number(),
});
export type TestChatAnswer = z.infer<typeof testChatAnswerSchema>;

export function toTestChatAnswer(
  composed: ComposedReply,
  meta: { agentVersion: number | null; latencyMs: number; away: TestChatAnswer['away'] },
): TestChatAnswer {
  const base = {
    away: meta.away,
    language: composed.understanding.language,
    answerLanguage: composed.kind === 'opt_out' ? composed.understanding.language : composed.language,
    intent: composed.understanding.intent,
    agentVersion: meta.agentVersion,
    tokens: composed.tokens,
    latencyMs: meta.latencyMs,
  };
  const none = { products: [], knowledge: [] };
  if (composed.kind === 'opt_out') {
    return { ...base, body: optOutConfirmation(composed.understanding.language), outcome: 'opt_out', handoff: null, check: { verdict: 'not_needed', problems: [] }, sources: none };
  }
  if (composed.kind === 'handoff') {
    return {
      ...base,
      body: composed.body,
      outcome: 'handoff',
      handoff: { reason: composed.reason, description: describeHandoff(composed.reason), keyword: composed.keyword },
      check: { verdict: 'not_needed', problems: [] },
      sources: none,
    };
  }
  const verdict = composed.prompt.length === 0 ? 'not_needed' : !composed.check.ok ? 'failed' : composed.check.rejected ? 'corrected' : 'passed';
  return {
    ...base,
    body: composed.body,
    outcome: composed.handoff ? 'handoff' : composed.fallback ? 'fallback' : 'answer',
    handoff: composed.handoff ? { reason: composed.handoff, description: describeHandoff(composed.handoff), keyword: null } : null,
    check: { verdict, problems: [...new Set([...(composed.check.rejected ?? []), ...composed.check.problems])] },
    sources: {
      products: composed.products.map((p) => ({ sku: p.sku, name: p.name, price: p.price, currency: p.currency })),
      knowledge: knowledgeSources(composed.knowledge).map((k) => ({ documentId: k.documentId, title: k.title, kind: k.kind, topic: k.topic })),
    },
  };
}
