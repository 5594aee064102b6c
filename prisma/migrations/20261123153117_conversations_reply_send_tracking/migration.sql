-- AlterTable
ALTER TABLE "messages" ADD COLUMN     "prompt" JSONB,
ADD COLUMN     "send_attempted_at" TIMESTAMP(3),
ADD COLUMN     "send_attempts" INTEGER NOT NULL DEFAULT 0;
