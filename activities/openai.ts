// OpenAI, as a reply needs it: understand the customer's turn (language, intent, catalog search terms),
// draft an answer from the conversation and the retrieved catalog products in the customer's language,
// check it against the catalog (regenerate once, else fall back), and store the result as the outbound
// intent. Only the message id travels back through workflow history. The merchant's agent (issue 18) shapes
// it: settings, knowledge, business hours and hand-off rules (lib/ai/compose-reply.ts, lib/agent/).
import { ApplicationFailure } from '@temporalio/activity';
import OpenAI, { APIError } from 'openai';
import { awayMessageText, hoursAt, opensAfterWindow } from '../lib/agent/business-hours.js';
import type { HandoffReason } from '../lib/agent/handoff.js';
import { recordAwayMessage, storedHandoff } from '../lib/agent/attention-store.js';
import { knowledgeSources } from '../lib/agent/knowledge-retrieve.js';
import { loadAgentProfile } from '../lib/agent/settings-store.js';
import { TEST_CHAT_HISTORY, toTestChatAnswer, type TestChatAnswer, type TestChatInput } from '../lib/agent/test-chat.js';
import { fallbackAnswer } from '../lib/ai/answer-check.js';
import { composeReply, type ComposeDeps } from '../lib/ai/compose-reply.js';
import { HISTORY_LIMIT, promptForRecord, type ChatMessage, type HistoryEntry, type TurnMessage } from '../lib/ai/prompt.js';
import {
  buildUnderstandingPrompt,
  fallbackUnderstanding,
  parseUnderstanding,
  TURN_UNDERSTANDING_JSON_SCHEMA,
  UNDERSTANDING_FORMAT_NAME,
  type TurnUnderstanding,
} from '../lib/ai/understand.js';
import { catalogSample, type RetrievedProduct } from '../lib/catalog/retrieve.js';
import { recordGatedTurn } from '../lib/conversations/no-reply.js';
import { recordOptOutChange } from '../lib/conversations/opt-out-store.js';
import { replyGate } from '../lib/conversations/reply-gate.js';
import { insertReplyIntent, loadDraftInputs, type InboundMedia, type ReplyIntent } from '../lib/conversations/reply-store.js';
import { TtlCache } from '../lib/conversations/ttl-cache.js';
import type { PrismaClient } from '../lib/db/client.js';
import type { ReplyInput } from '../workflows/contracts/reply.js';
import { keepAlive } from './keep-alive.js';
import { actingWorkflow } from './workflow-actor.js';

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
  /** The merchant's hand-off rules handed the conversation over; the message is what the customer is told. */
  handoff?: HandoffReason;
  /** The message is the away message (the shop is closed): the turn waits for this opening (epoch ms). */
  holdUntil?: number;
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

  /** The reply's composition (lib/ai/compose-reply.ts), shared by live replies and the test chat. */
  const composer: ComposeDeps = { prisma: deps.prisma, complete: (messages) => complete(messages), understand, productLimit: deps.productLimit ?? 5 };

  const pictures = async (tenantId: string, media: InboundMedia[]): Promise<Array<string | null>> => {
    const images = media.filter((m) => m.contentType?.startsWith('image/') ?? true);
    return Promise.all(images.map((m) => (deps.loadPicture ? deps.loadPicture(tenantId, m).catch(() => null) : Promise.resolve(null))));
  };

  return {
    /**
     * Idempotent per turn: the intent row keyed by the turn's last MessageSid is looked up first, so a
     * retry after a crash returns the stored draft instead of asking the model (and paying) again.
     */
    draftReply(input: ReplyInput): Promise<DraftedReply> {
      return keepAlive(async () => {
        const replyTo = input.inboundSids[input.inboundSids.length - 1]!;
        // One round trip for the stored intent, the gate, the tenant's name, the agent and the conversation.
        const started = performance.now();
        const state = await loadDraftInputs(deps.prisma, input, HISTORY_LIMIT);
        if (state.intent) {
          // A retry after the row was written: the hand-off it made is read back, so the workflow still pauses.
          const handoff = state.intent.send ? await storedHandoff(deps.prisma, state.intent.messageId) : null;
          return handoff ? { ...state.intent, handoff } : state.intent;
        }

        const base = { tenantId: input.tenantId, conversationId: input.conversationId, replyToMessageSid: replyTo, turnSids: input.inboundSids, source: 'ai' as const };
        const gate = replyGate(state.tenant);
        if (!gate.allowed) return recordGatedTurn(deps.prisma, base, input.inboundSids, gate);
        const tenantName = gate.tenant.name;

        const { context, agent, previousFallback } = state;
        // Business hours, on the conversation workflow's clock: closed with an away message chosen → that message
        // now (the workflow holds later turns of this closed spell without asking again), the answer at opening.
        const hours = input.at === undefined || input.afterHours ? null : hoursAt(agent.settings.businessHours, input.at);
        if (hours && !hours.open && agent.settings.businessHours.outsideHours === 'away') {
          // Opening after WhatsApp's window closes: the held turn will go to the merchant, so promise no answer.
          const beyondWindow = opensAfterWindow(hours.opensAt, input.windowClosesAt) ? { shop: tenantName, language: agent.settings.languages[0] } : undefined;
          const body = awayMessageText(agent.settings.businessHours, hours.opensAt, beyondWindow);
          const away = await recordAwayMessage(deps.prisma, { tenantId: input.tenantId, conversationId: input.conversationId, inboundSid: replyTo, body, agentVersion: agent.version });
          return { ...away, send: true, reason: null, ...(hours.opensAt !== null ? { holdUntil: hours.opensAt } : {}) };
        }
        const turn: TurnMessage[] = await Promise.all(context.turn.map(async (m) => ({ body: m.body, pictures: await pictures(input.tenantId, m.media) })));
        const composed = await composeReply(composer, { tenantId: input.tenantId, tenantName, agent, history: context.history, turn, previousFallback });

        if (composed.kind === 'opt_out') {
          // "Please stop sending me messages" is a STOP: confirmed once, in their language, then silence.
          const { messageId } = await recordOptOutChange(deps.prisma, {
            tenantId: input.tenantId, conversationId: input.conversationId, inboundSid: replyTo, optedOut: true, language: composed.understanding.language, via: 'words', workflowId: actingWorkflow().workflowId,
          });
          return { messageId, send: true, reason: null, optedOut: true };
        }
        const made = {
          ...base,
          status: 'queued' as const,
          model: deps.model,
          promptTokens: composed.tokens.prompt,
          completionTokens: composed.tokens.completion,
          latencyMs: Math.round(performance.now() - started),
          agentVersion: agent.version,
        };
        if (composed.kind === 'handoff') {
          // The merchant's rules hand the conversation over: the customer is told so (a system message, not an
          // AI answer, so not counted as usage); the workflow pauses the AI and notifies the merchant.
          const intent = await insertReplyIntent(deps.prisma, {
            ...made,
            source: 'system',
            body: composed.body,
            prompt: { understanding: composed.understanding, messages: null, rejected: null, fallbackReason: null, handoff: composed.reason, keyword: composed.keyword },
          });
          return { ...intent, handoff: composed.reason };
        }
        const intent = await insertReplyIntent(deps.prisma, {
          ...made,
          body: composed.body,
          fallback: composed.fallback,
          productsUsed: sources(composed.products),
          knowledgeUsed: knowledgeSources(composed.knowledge),
          // Kept whole so "why did it say that" has an answer: how the turn was understood, what the model was
          // shown, what the checker refused, and whether it handed over.
          prompt: {
            understanding: composed.understanding,
            messages: promptForRecord(composed.prompt),
            rejected: composed.check.rejected,
            fallbackReason: composed.fallback ? 'answer_check_failed' : null,
            handoff: composed.handoff,
          },
        });
        return composed.handoff ? { ...intent, handoff: composed.handoff } : intent;
      });
    },

    /**
     * The dashboard's test chat: the same composition as a live reply (understanding, hand-off rules,
     * retrieval, draft, answer check) for the tenant's current settings, returned and forgotten: no
     * conversation, no message, no send, no usage count.
     */
    draftTestReply(input: TestChatInput): Promise<TestChatAnswer> {
      return keepAlive(async () => {
        const started = performance.now();
        const [tenant, agent] = await Promise.all([
          deps.prisma.tenant.findUnique({ where: { id: input.tenantId }, select: { name: true } }),
          loadAgentProfile(deps.prisma, input.tenantId),
        ]);
        if (!tenant) throw ApplicationFailure.nonRetryable('the merchant account no longer exists', 'TenantMissing');
        const hoursNow = hoursAt(agent.settings.businessHours, input.at);
        const away = !hoursNow.open && agent.settings.businessHours.outsideHours === 'away'
          ? { message: awayMessageText(agent.settings.businessHours, hoursNow.opensAt), opensAt: hoursNow.opensAt === null ? null : new Date(hoursNow.opensAt).toISOString() }
          : null;
        const history = input.history.slice(-TEST_CHAT_HISTORY).map((h): HistoryEntry => ({ role: h.role === 'customer' ? 'user' : 'assistant', body: h.text }));
        // "Two fallbacks in a row" reads the chat's own last answer, as a live reply reads the conversation's.
        const previousFallback = input.history.at(-1)?.role === 'agent' && input.history.at(-1)?.text === fallbackAnswer(tenant.name);
        const composed = await composeReply(composer, {
          tenantId: input.tenantId, tenantName: tenant.name, agent, history, turn: [{ body: input.message, pictures: [] }], previousFallback,
        });
        return toTestChatAnswer(composed, { agentVersion: agent.version, latencyMs: Math.round(performance.now() - started), away });
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
