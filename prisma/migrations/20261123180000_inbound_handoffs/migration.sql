-- CreateTable
CREATE TABLE "inbound_handoffs" (
    "message_sid" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "opt_out" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempted_at" TIMESTAMP(3),

    CONSTRAINT "inbound_handoffs_pkey" PRIMARY KEY ("message_sid")
);

-- CreateIndex
CREATE INDEX "inbound_handoffs_created_at_idx" ON "inbound_handoffs"("created_at");

-- AddForeignKey
ALTER TABLE "inbound_handoffs" ADD CONSTRAINT "inbound_handoffs_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

