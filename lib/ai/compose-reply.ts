// How a reply is thought out, shared by live replies (activities/openai.ts draftReply, which then stores and
// sends it) and the dashboard's test chat (which only shows it): understand the turn, apply the merchant's
// hand-off rules, retrieve products AND knowledge, draft with the merchant's agent settings, check the answer
// against the catalog and the policies (regenerate once, else the safe answer), and hand off after a second
// fallback in a row. Writes nothing: the caller decides what is stored.
import { answerLanguageFor, type AgentProfile } from '../agent/settings.js';
import { handOffAfterFallback, handoffBeforeDraft, handoffMessage, type HandoffReason } from '../agent/handoff.js';
import { retrieveKnowledge, type RetrievedPassage } from '../agent/knowledge-retrieve.js';
import { retrieveProducts, type RetrievedProduct } from '../catalog/retrieve.js';
import type { PrismaClient } from '../db/client.js';
import { checkAnswer, fallbackAnswer } from './answer-check.js';
import { toneWords, type KnowledgeContextPassage } from './merchant-context.js';
import { buildReplyPrompt, retrievalQuery, toCatalogContext, type ChatMessage, type HistoryEntry, type ReplyPromptInput, type TurnMessage } from './prompt.js';
import type { TurnUnderstanding } from './understand.js';

export interface Completion {
  content: string;
  promptTokens: number;
  completionTokens: number;
}

export interface ComposeDeps {
  prisma: PrismaClient;
  complete(messages: ChatMessage[]): Promise<Completion>;
  understand(tenantId: string, turn: TurnMessage[], earlier: string[]): Promise<{ understanding: TurnUnderstanding; completion: Completion }>;
  /** Products retrieved per turn (the catalog block's size). */
  productLimit: number;
}

export interface ComposeInput {
  tenantId: string;
  tenantName: string;
  agent: AgentProfile;
  history: HistoryEntry[];
  turn: TurnMessage[];
  /** The conversation's previous AI reply was a fallback: a second in a row hands off (when the rule is on). */
  previousFallback: boolean;
}

export interface Tokens {
  prompt: number;
  completion: number;
}

export type ComposedReply =
  | { kind: 'opt_out'; understanding: TurnUnderstanding; tokens: Tokens }
  | { kind: 'handoff'; reason: HandoffReason; keyword: string | null; body: string; language: string; understanding: TurnUnderstanding; tokens: Tokens }
  | {
      kind: 'answer';
      body: string;
      fallback: boolean;
      /** Set when this answer's fallback was the second in a row: the body is then the hand-off message. */
      handoff: HandoffReason | null;
      products: RetrievedProduct[];
      knowledge: RetrievedPassage[];
      language: string;
      understanding: TurnUnderstanding;
      tokens: Tokens;
      /** The last prompt sent (empty when no draft was needed: a greeting answered with the merchant's). */
      prompt: ChatMessage[];
      check: { ok: boolean; problems: string[]; rejected: string[] | null };
    };

export async function composeReply(deps: ComposeDeps, input: ComposeInput): Promise<ComposedReply> {
  const { settings } = input.agent;
  const earlier = input.history.filter((h) => h.role === 'user').map((h) => h.body);
  const { understanding, completion: understood } = await deps.understand(input.tenantId, input.turn, earlier);
  const tokens: Tokens = { prompt: understood.promptTokens, completion: understood.completionTokens };
  if (understanding.intent === 'opt_out') return { kind: 'opt_out', understanding, tokens };

  const language = answerLanguageFor(settings, understanding.language);
  const early = handoffBeforeDraft(settings.handoff, understanding.intent, input.turn.map((m) => m.body).join('\n'));
  if (early) {
    const body = handoffMessage(settings.handoff, input.tenantName, language);
    return { kind: 'handoff', reason: early.reason, keyword: early.keyword ?? null, body, language, understanding, tokens };
  }

  // The merchant's greeting opens the answer to a customer's very first message (a bare "hi" gets only it).
  const greeting = input.history.length === 0 ? settings.greeting.trim() : '';
  if (greeting && understanding.intent === 'greeting') {
    return { kind: 'answer', body: greeting, fallback: false, handoff: null, products: [], knowledge: [], language, understanding, tokens, prompt: [], check: { ok: true, problems: [], rejected: null } };
  }

  const question = understanding.intent === 'question';
  const query = retrievalQuery(input.turn, question ? understanding.searchTerms : []);
  const [products, knowledge] = await Promise.all([
    retrieveProducts(deps.prisma, input.tenantId, query, deps.productLimit),
    question ? retrieveKnowledge(deps.prisma, input.tenantId, query, understanding.topics ?? []) : Promise.resolve([]),
  ]);
  const catalog = toCatalogContext(products);
  const passages: KnowledgeContextPassage[] = knowledge.map((p, i) => ({ source: `K${i + 1}`, kind: p.kind, topic: p.topic, title: p.title, text: p.text }));
  // Each passage with the topic its document is filed under: a claim is checked against its own topic's policy.
  const policies = knowledge.map((p) => ({ topic: p.topic, text: `${p.title}\n${p.text}` }));
  // A shop that never saved agent settings keeps the prompt it had before agents existed.
  const agentParts: Partial<ReplyPromptInput> = input.agent.version === null ? {} : { tone: toneWords(settings.tone), agent: { name: settings.name, instructions: settings.instructions } };
  const promptInput: ReplyPromptInput = { tenantName: input.tenantName, history: input.history, turn: input.turn, products: catalog, language, knowledge: passages, ...agentParts };

  let prompt = buildReplyPrompt(promptInput);
  let completion = await deps.complete(prompt);
  tokens.prompt += completion.promptTokens;
  tokens.completion += completion.completionTokens;
  let check = checkAnswer(completion.content, catalog, policies);
  let rejected: string[] | null = null;
  if (!check.ok) {
    rejected = check.problems;
    // One regeneration told exactly what was wrong; models usually correct a quoted figure when asked.
    prompt = buildReplyPrompt({ ...promptInput, correction: check.problems.join(' ') });
    completion = await deps.complete(prompt);
    tokens.prompt += completion.promptTokens;
    tokens.completion += completion.completionTokens;
    check = checkAnswer(completion.content, catalog, policies);
  }
  const fallback = !check.ok;
  const handoff: HandoffReason | null = handOffAfterFallback(settings.handoff, fallback, input.previousFallback) ? 'repeated_fallback' : null;
  const body = handoff
    ? handoffMessage(settings.handoff, input.tenantName, language)
    : fallback
      ? fallbackAnswer(input.tenantName)
      : greeting
        ? `${greeting}\n\n${completion.content}`
        : completion.content;
  return { kind: 'answer', body, fallback, handoff, products, knowledge, language, understanding, tokens, prompt, check: { ok: check.ok, problems: check.problems, rejected } };
}
