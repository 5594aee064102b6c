// OpenAI, as a reply needs it: draft an answer to one customer turn from the conversation and the
// retrieved catalog products, check it against the catalog (regenerate once, else fall back), and store
// the result as the outbound intent. Only the message id travels back through workflow history.
import { ApplicationFailure } from '@temporalio/activity';
import OpenAI, { APIError } from 'openai';
import { checkAnswer, fallbackAnswer } from '../lib/ai/answer-check.js';
import { buildReplyPrompt, HISTORY_LIMIT, retrievalQuery, toCatalogContext, type ChatMessage } from '../lib/ai/prompt.js';
import { retrieveProducts, type RetrievedProduct } from '../lib/catalog/retrieve.js';
import { recordGatedTurn } from '../lib/conversations/no-reply.js';
import { replyGate } from '../lib/conversations/reply-gate.js';
import { insertReplyIntent, loadReplyContext, loadReplyState, type ReplyIntent } from '../lib/conversations/reply-store.js';
import type { PrismaClient } from '../lib/db/client.js';
import type { ReplyInput } from '../workflows/contracts/reply.js';

export interface OpenAIDeps {
  prisma: PrismaClient;
  /** Null when no OpenAI key is configured: replies then fall back (never silence). */
  openai: OpenAI | null;
  model: string;
  timeoutMs: number;
  /** Products retrieved per turn (the catalog block's size). */
  productLimit?: number;
}

/** 4xx other than 408/409/429 will fail the same way on every retry: a key, model or request problem. */
const PERMANENT_STATUSES = new Set([400, 401, 403, 404, 422]);

interface Completion {
  content: string;
  promptTokens: number;
  completionTokens: number;
}

export function createOpenAIActivities(deps: OpenAIDeps) {
  const complete = async (messages: ChatMessage[]): Promise<Completion> => {
    if (!deps.openai) throw ApplicationFailure.nonRetryable('OpenAI is not configured (OPENAI_API_KEY)', 'OpenAINotConfigured');
    try {
      const res = await deps.openai.chat.completions.create(
        { model: deps.model, messages, temperature: 0.2 },
        // Temporal owns retries (with backoff and a visible attempt count); the SDK's would hide them.
        { timeout: deps.timeoutMs, maxRetries: 0 },
      );
      const content = res.choices[0]?.message.content?.trim() ?? '';
      if (!content) throw new Error('OpenAI returned an empty answer');
      return { content, promptTokens: res.usage?.prompt_tokens ?? 0, completionTokens: res.usage?.completion_tokens ?? 0 };
    } catch (err) {
      if (err instanceof APIError && err.status !== undefined && PERMANENT_STATUSES.has(err.status)) {
        throw ApplicationFailure.nonRetryable(`OpenAI rejected the request (${err.status}): ${err.message}`, 'OpenAINonRetryable');
      }
      throw err;
    }
  };

  return {
    /**
     * Idempotent per turn: the intent row keyed by the turn's last MessageSid is looked up first, so a
     * retry after a crash returns the stored draft instead of asking the model (and paying) again.
     */
    async draftReply(input: ReplyInput): Promise<ReplyIntent> {
      const replyTo = input.inboundSids[input.inboundSids.length - 1]!;
      // One round trip for the stored intent, the gate and the tenant's name.
      const state = await loadReplyState(deps.prisma, { tenantId: input.tenantId, replyToMessageSid: replyTo });
      if (state.intent) return state.intent;

      const base = { tenantId: input.tenantId, conversationId: input.conversationId, replyToMessageSid: replyTo, source: 'ai' as const };
      const gate = replyGate(state.tenant);
      if (!gate.allowed) {
        return recordGatedTurn(deps.prisma, base, input.inboundSids, gate);
      }
      const tenantName = gate.tenant.name;

      const context = await loadReplyContext(deps.prisma, input, HISTORY_LIMIT);
      const retrieved = await retrieveProducts(deps.prisma, input.tenantId, retrievalQuery(context.turn), deps.productLimit ?? 5);
      const products = toCatalogContext(retrieved);
      const promptInput = { tenantName, history: context.history, turn: context.turn, products };

      const started = performance.now();
      let prompt = buildReplyPrompt(promptInput);
      let completion = await complete(prompt);
      let tokens = { prompt: completion.promptTokens, completion: completion.completionTokens };
      let check = checkAnswer(completion.content, products);
      let rejected: string[] | undefined;
      if (!check.ok) {
        rejected = check.problems;
        // One regeneration told exactly what was wrong; models usually correct a quoted figure when asked.
        prompt = buildReplyPrompt({ ...promptInput, correction: check.problems.join(' ') });
        completion = await complete(prompt);
        tokens = { prompt: tokens.prompt + completion.promptTokens, completion: tokens.completion + completion.completionTokens };
        check = checkAnswer(completion.content, products);
      }
      return insertReplyIntent(deps.prisma, {
        ...base,
        body: check.ok ? completion.content : fallbackAnswer(tenantName),
        status: 'queued',
        fallback: !check.ok,
        model: deps.model,
        promptTokens: tokens.prompt,
        completionTokens: tokens.completion,
        latencyMs: Math.round(performance.now() - started),
        productsUsed: sources(retrieved),
        // Kept whole so "why did it say that" has an answer: what it was shown, and what the checker refused.
        prompt: {
          messages: prompt.map((m) => ({ role: m.role, content: m.content })),
          rejected: rejected ?? null,
          fallbackReason: check.ok ? null : 'answer_check_failed',
        },
      });
    },
  };
}

export type OpenAIActivities = ReturnType<typeof createOpenAIActivities>;

/** The AI's sources as the dashboard shows them, best match first. */
function sources(products: readonly RetrievedProduct[]) {
  return products.map((p, rank) => ({ productId: p.id, sku: p.sku, name: p.name, price: p.price, currency: p.currency, rank: rank + 1 }));
}

/** The client the worker uses; `baseURL` points at any OpenAI-compatible endpoint (or the local stand-in). */
export function createOpenAIClient(options: { apiKey?: string | undefined; baseURL?: string | undefined }): OpenAI | null {
  if (!options.apiKey) return null;
  return new OpenAI({ apiKey: options.apiKey, ...(options.baseURL ? { baseURL: options.baseURL } : {}), maxRetries: 0 });
}
