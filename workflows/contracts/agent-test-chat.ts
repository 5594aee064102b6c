// The dashboard's test chat workflow (`agent-test-chat:{tenant}:{request}`): one question asked as a customer
// would, answered by the live reply's composition in an activity, and returned to the API that waits for it.
// Nothing is stored, sent to WhatsApp or counted against the plan (lib/agent/test-chat.ts).
import type { TestChatAnswer, TestChatRequest } from '../../lib/agent/test-chat.js';

export const agentTestChatWorkflowType = 'agentTestChatWorkflow';
export type AgentTestChatWorkflow = (input: AgentTestChatInput) => Promise<AgentTestChatResult>;

export interface AgentTestChatInput {
  tenantId: string;
  message: string;
  history: TestChatRequest['history'];
}

/** The answer, or why there is none (OpenAI down: the customer would get the fallback answer). */
export type AgentTestChatResult = { ok: true; answer: TestChatAnswer } | { ok: false; reason: string };
