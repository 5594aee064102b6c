-- CreateTable
CREATE TABLE "catalog_import_rows" (
    "import_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "row_number" INTEGER NOT NULL,
    "sku" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "price" DECIMAL(14,3),
    "currency" VARCHAR(3) NOT NULL,
    "stock" INTEGER,
    "category" TEXT,
    "url" TEXT,
    "image_url" TEXT,
    "attributes" JSONB,
    "row_hash" TEXT NOT NULL,

    CONSTRAINT "catalog_import_rows_pkey" PRIMARY KEY ("import_id","seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "catalog_import_rows_import_id_sku_key" ON "catalog_import_rows"("import_id", "sku");

-- AddForeignKey
ALTER TABLE "catalog_import_rows" ADD CONSTRAINT "catalog_import_rows_import_id_fkey" FOREIGN KEY ("import_id") REFERENCES "catalog_imports"("id") ON DELETE CASCADE ON UPDATE CASCADE;
