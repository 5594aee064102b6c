-- CreateEnum
CREATE TYPE "health_check_trigger" AS ENUM ('scheduled', 'manual');

-- AlterEnum
ALTER TYPE "health_status" ADD VALUE 'running';

-- DropIndex
DROP INDEX "alerts_kind_created_at_idx";

-- AlterTable
ALTER TABLE "health_check_runs" ADD COLUMN     "trigger" "health_check_trigger" NOT NULL DEFAULT 'scheduled',
ALTER COLUMN "workflow_id" SET NOT NULL,
ALTER COLUMN "run_id" SET NOT NULL;

-- AlterTable
ALTER TABLE "alerts" DROP COLUMN "channel",
DROP COLUMN "kind",
DROP COLUMN "message",
DROP COLUMN "sent_at",
ADD COLUMN     "channels" TEXT[],
ADD COLUMN     "dedupe_key" TEXT NOT NULL,
ADD COLUMN     "delivered_at" TIMESTAMP(3),
ADD COLUMN     "title" TEXT NOT NULL,
ALTER COLUMN "details" SET NOT NULL,
ALTER COLUMN "details" SET DATA TYPE TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "health_check_runs_run_id_key" ON "health_check_runs"("run_id");

-- CreateIndex
CREATE UNIQUE INDEX "alerts_dedupe_key_key" ON "alerts"("dedupe_key");

