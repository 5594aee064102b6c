// What the thread shows about a reply beside its product sources (lib/conversations/feed.ts): the agent
// settings version that produced it and the knowledge passages it was shown, read defensively (older rows
// have neither).
import { z } from 'zod';

export const knowledgeSourceSchema = z.object({
  documentId: z.string(),
  title: z.string(),
  kind: z.string(),
  topic: z.string(),
  rank: z.number(),
});

const storedKnowledge = z.array(knowledgeSourceSchema).catch([]);

export function agentReplyDetails(message: { agentVersion: number | null; knowledgeUsed: unknown }) {
  return { agentVersion: message.agentVersion, knowledgeSources: storedKnowledge.parse(message.knowledgeUsed ?? []) };
}
