// OpenAI, as a reply needs it: understand the customer's turn (language, intent, catalog search terms),
// draft an answer from the conversation and the retrieved catalog products in the customer's language,
// check it against the catalog (regenerate once, else fall back), and store the result as the outbound
// intent. Only the message id travels back through workflow history.
import { ApplicationFailure } from '@temporalio/activity';
import OpenAI, { APIError } from 'openai';
import { checkAnswer, fallbackAnswer } from '../lib/ai/answer-check.js';
import { buildReplyPrompt, HISTORY_LIMIT, promptForRecord, retrievalQuery, toCatalogContext, type ChatMessage, type TurnMessage } from '../lib/ai/prompt.js';
import {
  buildUnderstandingPrompt,
  fallbackUnderstanding,
  parseUnderstanding,
  TURN_UNDERSTANDING_JSON_SCHEMA,
  UNDERSTANDING_FORMAT_NAME,
  type TurnUnderstanding,
} from '../lib/ai/understand.js';
import { catalogSample, retrieveProducts, type RetrievedProduct } from '../lib/catalog/retrieve.js';
import { recordGatedTurn } from '../lib/conversations/no-reply.js';
import { recordOptOutChange } from '../lib/conversations/opt-out-store.js';
import { replyGate } from '../lib/conversations/reply-gate.js';
import { insertReplyIntent, loadReplyContext, loadReplyState, type InboundMedia, type ReplyIntent } from '../lib/conversations/reply-store.js';
import { TtlCache } from '../lib/conversations/ttl-cache.js';
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
  /**
   * A picture the customer sent, as a `data:` URL the model can look at, or null when it cannot be loaded
   * (not an image, too large, the provider refused). Absent: the model is only told a picture was sent.
   */
  loadPicture?: (tenantId: string, media: InboundMedia) => Promise<string | null>;
}

/** What a draft is: the intent to send (or the decision not to), and whether the customer opted out in words. */
export interface DraftedReply extends ReplyIntent {
  /** The customer asked, in their own words, to stop receiving messages: the reply is the confirmation. */
  optedOut?: boolean;
}

/** 4xx other than 408/409/429 will fail the same way on every retry: a key, model or request problem. */
const PERMANENT_STATUSES = new Set([400, 401, 403, 404, 422]);
/** The catalog sample (a few product names) changes rarely; one query per tenant every few minutes. */
const SAMPLE_TTL_MS = 5 * 60_000;

interface Completion {
  content: string;
  promptTokens: number;
  completionTokens: number;
}

export function createOpenAIActivities(deps: OpenAIDeps) {
  const samples = new TtlCache<string, string[]>(SAMPLE_TTL_MS);

  const complete = async (messages: ChatMessage[], format?: { name: string; schema: Record<string, unknown> }): Promise<Completion> => {
    if (!deps.openai) throw ApplicationFailure.nonRetryable('OpenAI is not configured (OPENAI_API_KEY)', 'OpenAINotConfigured');
    try {
      const res = await deps.openai.chat.completions.create(
        {
          model: deps.model,
          messages,
          temperature: format ? 0 : 0.2,
          ...(format ? { response_format: { type: 'json_schema', json_schema: { name: format.name, strict: true, schema: format.schema } } } : {}),
        },
        // Temporal owns retries (with backoff and a visible attempt count); the SDK's would hide them.
        { timeout: deps.timeoutMs, maxRetries: 0 },
      );
      const content = res.choices[0]?.message.content?.trim() ?? '';
      if (!content) throw new Error('OpenAI returned an empty answer');
      return { content, promptTokens: res.usage?.prompt_tokens ?? 0, completionTokens: res.usage?.completion_tokens ?? 0 };
    } catch (err) {
      if (err instanceof APIError && err.status !== undefined && PERMANENT_STATUSES.has(err.status)) {
        // Our words and the HTTP status for the dashboard; OpenAI's text goes to the failure's details (operators).
        throw ApplicationFailure.nonRetryable(`OpenAI rejected the request (HTTP ${err.status}).`, 'OpenAINonRetryable', { openaiMessage: err.message });
      }
      throw err;
    }
  };

  /** Language, intent and search terms; a reply that cannot be understood is searched as written. */
  const understand = async (tenantId: string, turn: TurnMessage[], earlier: string[]): Promise<{ understanding: TurnUnderstanding; completion: Completion }> => {
    let sample = samples.get(tenantId);
    if (!sample) samples.set(tenantId, (sample = await catalogSample(deps.prisma, tenantId)));
    const prompt = buildUnderstandingPrompt({
      turn: turn.map((m) => m.body),
      earlier,
      catalogSample: sample,
      hasImage: turn.some((m) => m.pictures.length > 0),
    });
    const completion = await complete(prompt, { name: UNDERSTANDING_FORMAT_NAME, schema: TURN_UNDERSTANDING_JSON_SCHEMA });
    return { understanding: parseUnderstanding(completion.content) ?? fallbackUnderstanding(), completion };
  };

  const pictures = async (tenantId: string, media: InboundMedia[]): Promise<Array<string | null>> => {
    const images = media.filter((m) => m.contentType?.startsWith('image/') ?? true);
    return Promise.all(images.map((m) => (deps.loadPicture ? deps.loadPicture(tenantId, m).catch(() => null) : Promise.resolve(null))));
  };

  return {
    /**
     * Idempotent per turn: the intent row keyed by the turn's last MessageSid is looked up first, so a
     * retry after a crash returns the stored draft instead of asking the model (and paying) again.
     */
    async draftReply(input: ReplyInput): Promise<DraftedReply> {
      const replyTo = input.inboundSids[input.inboundSids.length - 1]!;
      // One round trip for the stored intent, the gate and the tenant's name.
      const state = await loadReplyState(deps.prisma, { tenantId: input.tenantId, replyToMessageSid: replyTo });
      if (state.intent) return state.intent;

      const base = { tenantId: input.tenantId, conversationId: input.conversationId, replyToMessageSid: replyTo, source: 'ai' as const };
      const gate = replyGate(state.tenant);
      if (!gate.allowed) return recordGatedTurn(deps.prisma, base, input.inboundSids, gate);
      const tenantName = gate.tenant.name;

      const started = performance.now();
      const context = await loadReplyContext(deps.prisma, input, HISTORY_LIMIT);
      const turn: TurnMessage[] = await Promise.all(context.turn.map(async (m) => ({ body: m.body, pictures: await pictures(input.tenantId, m.media) })));
      const earlier = context.history.filter((h) => h.role === 'user').map((h) => h.body);
      const { understanding, completion: understood } = await understand(input.tenantId, turn, earlier);

      if (understanding.intent === 'opt_out') {
        // "Please stop sending me messages" is a STOP: confirmed once, in their language, then silence.
        const { messageId } = await recordOptOutChange(deps.prisma, {
          tenantId: input.tenantId, conversationId: input.conversationId, inboundSid: replyTo, optedOut: true, language: understanding.language, via: 'words',
        });
        return { messageId, send: true, reason: null, optedOut: true };
      }

      const searchTerms = understanding.intent === 'question' ? understanding.searchTerms : [];
      const retrieved = await retrieveProducts(deps.prisma, input.tenantId, retrievalQuery(turn, searchTerms), deps.productLimit ?? 5);
      const products = toCatalogContext(retrieved);
      const promptInput = { tenantName, history: context.history, turn, products, language: understanding.language };

      let prompt = buildReplyPrompt(promptInput);
      let completion = await complete(prompt);
      let tokens = { prompt: understood.promptTokens + completion.promptTokens, completion: understood.completionTokens + completion.completionTokens };
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
        // Kept whole so "why did it say that" has an answer: how the turn was understood, what the model was
        // shown, and what the checker refused.
        prompt: {
          understanding,
          messages: promptForRecord(prompt),
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
