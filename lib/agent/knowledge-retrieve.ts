// Retrieval of the merchant's knowledge for a customer's question, beside the catalog's products: passages
// ranked by full-text match (English-stemmed and word for word, title weighted), plus every passage of a
// policy on a topic the turn understanding named (so a question in another language than the policy still
// finds it). Plain `pg`, one statement: this runs on every AI reply.
import type { PrismaClient } from '../db/client.js';
import { sqlPool } from '../db/sql.js';
import { questionTokens } from '../catalog/retrieve.js';
import type { KnowledgeKind, KnowledgeTopic } from './knowledge-topics.js';

export interface RetrievedPassage {
  id: string;
  documentId: string;
  kind: KnowledgeKind;
  topic: KnowledgeTopic;
  title: string;
  text: string;
  score: number;
}

/** Passages per reply: a few hundred words, enough for the policy at hand. */
export const KNOWLEDGE_LIMIT = 4;

export async function retrieveKnowledge(
  prisma: PrismaClient,
  tenantId: string,
  question: string,
  topics: readonly string[],
  limit = KNOWLEDGE_LIMIT,
): Promise<RetrievedPassage[]> {
  const tokens = questionTokens(question);
  if (tokens.length === 0 && topics.length === 0) return [];
  // websearch_to_tsquery never throws on user text; ' or ' between words makes it a disjunction.
  const orQuery = tokens.map((t) => t.replace(/[-_./]/g, ' ')).join(' or ');
  const { rows } = await sqlPool(prisma).query<RetrievedPassage>({
    name: 'agent.retrieve-knowledge',
    text: `WITH q AS (SELECT websearch_to_tsquery('english', $2) || websearch_to_tsquery('simple', $2) AS tsq)
           SELECT p.id, p.document_id AS "documentId", d.kind, d.topic, p.title, p.text,
                  (ts_rank_cd(p.search_vector, q.tsq, 1) + CASE WHEN d.topic = ANY($3::text[]) THEN 0.5 ELSE 0 END)::float8 AS score
           FROM knowledge_passages p JOIN knowledge_documents d ON d.id = p.document_id, q
           WHERE p.tenant_id = $1 AND (p.search_vector @@ q.tsq OR d.topic = ANY($3::text[]))
           ORDER BY score DESC, d.updated_at DESC, p.ordinal
           LIMIT $4`,
    values: [tenantId, orQuery, [...topics], Math.max(1, Math.min(limit, 10))],
  });
  return rows;
}

/** The passages as a reply records them (its knowledge sources), best first. */
export function knowledgeSources(passages: readonly RetrievedPassage[]) {
  return passages.map((p, i) => ({ documentId: p.documentId, passageId: p.id, kind: p.kind, topic: p.topic, title: p.title, rank: i + 1 }));
}
