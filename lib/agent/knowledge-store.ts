// FAQ entries and policy texts: written in the dashboard or extracted from an upload, stored as a document
// and its passages in one transaction (a document is never searchable half-written), replaced whole on edit.
import { z } from 'zod';
import type { Prisma, PrismaClient } from '../db/client.js';
import { MAX_DOCUMENT_CHARS } from './knowledge-text.js';
import { KNOWLEDGE_KINDS, KNOWLEDGE_TOPICS } from './knowledge-topics.js';
import { splitIntoPassages } from './passages.js';

/** Enough for every policy and a long FAQ; bounded so one tenant cannot fill the table. */
export const MAX_DOCUMENTS_PER_TENANT = 200;

export const knowledgeInputSchema = z.object({
  kind: z.enum(KNOWLEDGE_KINDS),
  topic: z.enum(KNOWLEDGE_TOPICS),
  title: z.string().trim().min(1, 'give it a title (for an FAQ: the question)').max(200),
  body: z
    .string()
    .trim()
    .min(1, 'write the text (for an FAQ: the answer)')
    .max(MAX_DOCUMENT_CHARS, `at most ${MAX_DOCUMENT_CHARS.toLocaleString('en')} characters: split longer texts`),
});
export type KnowledgeInput = z.infer<typeof knowledgeInputSchema>;

export interface UploadFacts {
  fileName: string;
  contentType: string | null;
  byteSize: number;
  pageCount: number | null;
}

export class KnowledgeLimitError extends Error {
  constructor() {
    super(`A shop can keep at most ${MAX_DOCUMENTS_PER_TENANT} FAQ entries and policies; delete some first.`);
    this.name = 'KnowledgeLimitError';
  }
}

const documentSelect = {
  id: true, kind: true, topic: true, title: true, body: true, source: true, fileName: true, contentType: true,
  byteSize: true, pageCount: true, createdAt: true, updatedAt: true, _count: { select: { passages: true } },
} as const;
type DocumentRow = Prisma.KnowledgeDocumentGetPayload<{ select: typeof documentSelect }>;

export function toKnowledgeItem(row: DocumentRow) {
  return {
    id: row.id,
    kind: row.kind as KnowledgeInput['kind'],
    topic: row.topic as KnowledgeInput['topic'],
    title: row.title,
    body: row.body,
    source: row.source as 'written' | 'upload',
    fileName: row.fileName,
    byteSize: row.byteSize,
    pageCount: row.pageCount,
    passages: row._count.passages,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
export type KnowledgeItem = ReturnType<typeof toKnowledgeItem>;

export async function listKnowledge(prisma: PrismaClient, tenantId: string): Promise<KnowledgeItem[]> {
  const rows = await prisma.knowledgeDocument.findMany({
    where: { tenantId },
    orderBy: [{ kind: 'desc' }, { updatedAt: 'desc' }],
    select: documentSelect,
    take: MAX_DOCUMENTS_PER_TENANT,
  });
  return rows.map(toKnowledgeItem);
}

function passageRows(tenantId: string, documentId: string, input: KnowledgeInput) {
  return splitIntoPassages(input.body).map((text, ordinal) => ({ tenantId, documentId, ordinal, title: input.title, text }));
}

/** A new document and its passages, together. */
export async function createKnowledge(
  prisma: PrismaClient,
  input: { tenantId: string; userId: string | null; document: KnowledgeInput; upload?: UploadFacts },
): Promise<KnowledgeItem> {
  return prisma.$transaction(async (tx) => {
    // Counted inside the transaction; a concurrent upload may overshoot by one, which the bound tolerates.
    if ((await tx.knowledgeDocument.count({ where: { tenantId: input.tenantId } })) >= MAX_DOCUMENTS_PER_TENANT) throw new KnowledgeLimitError();
    const doc = await tx.knowledgeDocument.create({
      data: {
        tenantId: input.tenantId,
        ...input.document,
        source: input.upload ? 'upload' : 'written',
        fileName: input.upload?.fileName ?? null,
        contentType: input.upload?.contentType ?? null,
        byteSize: input.upload?.byteSize ?? null,
        pageCount: input.upload?.pageCount ?? null,
        createdByUserId: input.userId,
      },
    });
    await tx.knowledgePassage.createMany({ data: passageRows(input.tenantId, doc.id, input.document) });
    return toKnowledgeItem(await tx.knowledgeDocument.findUniqueOrThrow({ where: { id: doc.id }, select: documentSelect }));
  });
}

/** The document's new text and its passages rebuilt, together; null when it is not this tenant's. */
export async function updateKnowledge(prisma: PrismaClient, input: { tenantId: string; id: string; document: KnowledgeInput }): Promise<KnowledgeItem | null> {
  return prisma.$transaction(async (tx) => {
    const found = await tx.knowledgeDocument.findFirst({ where: { id: input.id, tenantId: input.tenantId }, select: { id: true } });
    if (!found) return null;
    await tx.knowledgeDocument.update({ where: { id: found.id }, data: input.document });
    await tx.knowledgePassage.deleteMany({ where: { documentId: found.id, tenantId: input.tenantId } });
    await tx.knowledgePassage.createMany({ data: passageRows(input.tenantId, found.id, input.document) });
    return toKnowledgeItem(await tx.knowledgeDocument.findUniqueOrThrow({ where: { id: found.id }, select: documentSelect }));
  });
}

export async function deleteKnowledge(prisma: PrismaClient, input: { tenantId: string; id: string }): Promise<boolean> {
  const { count } = await prisma.knowledgeDocument.deleteMany({ where: { id: input.id, tenantId: input.tenantId } });
  return count > 0;
}
