-- AlterTable
ALTER TABLE "catalog_imports" ADD COLUMN     "encoding" TEXT NOT NULL DEFAULT 'utf-8';

-- WARA: the encodings the importer reads (lib/catalog/text-encoding.ts); Prisma cannot express CHECK.
ALTER TABLE "catalog_imports" ADD CONSTRAINT "catalog_imports_encoding_check" CHECK ("encoding" IN ('utf-8', 'windows-1252'));
