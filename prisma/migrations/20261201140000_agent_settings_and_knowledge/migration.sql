-- The merchant's agent (issue 18): versioned settings, knowledge beyond the catalog (FAQ entries and policy
-- texts, split into searchable passages), the hand-off state of a conversation ("needs you") and, on each
-- reply, the settings version that produced it and the knowledge it was shown.

-- WARA: the passages' full-text vector, like product_search_vector: title weighted A, text B, both English-
-- stemmed ("deliveries" finds "delivery") and unstemmed (a policy written in Spanish still matches word for word).
CREATE FUNCTION knowledge_search_vector(title TEXT, body TEXT)
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') ||
           setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A') ||
           setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B') ||
           setweight(to_tsvector('simple'::regconfig, coalesce(body, '')), 'B');
$$;

-- CreateTable
CREATE TABLE "agent_settings_versions" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "settings" JSONB NOT NULL,
    "created_by_user_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agent_settings_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "knowledge_documents" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'written',
    "file_name" TEXT,
    "content_type" TEXT,
    "byte_size" INTEGER,
    "page_count" INTEGER,
    "created_by_user_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "knowledge_documents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "knowledge_passages" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "document_id" TEXT NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    -- WARA: generated, never written by the app (see knowledge_search_vector above).
    "search_vector" tsvector GENERATED ALWAYS AS (knowledge_search_vector("title", "text")) STORED,

    CONSTRAINT "knowledge_passages_pkey" PRIMARY KEY ("id")
);

-- AlterTable: the hand-off state of a conversation.
ALTER TABLE "conversations" ADD COLUMN "needs_attention_at" TIMESTAMP(3);
ALTER TABLE "conversations" ADD COLUMN "handoff_reason" TEXT;

-- AlterTable: what a reply was made with.
ALTER TABLE "messages" ADD COLUMN "knowledge_used" JSONB;
ALTER TABLE "messages" ADD COLUMN "agent_version" INTEGER;

-- CreateIndex
CREATE UNIQUE INDEX "agent_settings_versions_tenant_id_version_key" ON "agent_settings_versions"("tenant_id", "version");

-- CreateIndex
CREATE INDEX "knowledge_documents_tenant_id_kind_updated_at_idx" ON "knowledge_documents"("tenant_id", "kind", "updated_at" DESC);

-- CreateIndex
CREATE INDEX "knowledge_passages_tenant_id_idx" ON "knowledge_passages"("tenant_id");

-- CreateIndex
CREATE INDEX "knowledge_passages_search_vector_idx" ON "knowledge_passages" USING GIN ("search_vector");

-- CreateIndex
CREATE UNIQUE INDEX "knowledge_passages_document_id_ordinal_key" ON "knowledge_passages"("document_id", "ordinal");

-- CreateIndex
CREATE INDEX "conversations_tenant_id_needs_attention_at_idx" ON "conversations"("tenant_id", "needs_attention_at");

-- AddForeignKey
ALTER TABLE "agent_settings_versions" ADD CONSTRAINT "agent_settings_versions_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "knowledge_documents" ADD CONSTRAINT "knowledge_documents_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "knowledge_passages" ADD CONSTRAINT "knowledge_passages_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "knowledge_passages" ADD CONSTRAINT "knowledge_passages_document_id_fkey" FOREIGN KEY ("document_id") REFERENCES "knowledge_documents"("id") ON DELETE CASCADE ON UPDATE CASCADE;
