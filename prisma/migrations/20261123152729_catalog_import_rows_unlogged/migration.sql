-- DropIndex
DROP INDEX "catalog_import_rows_import_id_sku_key";

-- WARA: staging rows are disposable (see the model): no WAL. Prisma cannot express UNLOGGED.
ALTER TABLE "catalog_import_rows" SET UNLOGGED;
