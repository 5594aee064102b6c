import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { writeAudit } from '../../lib/audit.js';
import { applyAll, failImport, toReport, type CatalogImportReport } from '../../lib/catalog/apply.js';
import { importErrorsCsv } from '../../lib/catalog/error-export.js';
import { TEXT_ENCODINGS } from '../../lib/catalog/decode.js';
import { CatalogFileError } from '../../lib/catalog/errors.js';
import { listProducts } from '../../lib/catalog/products.js';
import { withTransferLimits, type TransferLimits } from '../../lib/catalog/transfer-guard.js';
import { isUniqueViolation } from '../../lib/db/sql.js';
import { DEFAULT_MAX_UPLOAD_BYTES, formatFromContentType, receiveUpload } from '../../lib/catalog/receive.js';
import { requireAuth } from '../auth/context.js';
import { tenantDb } from '../auth/tenant-db.js';
import type { ApiContext } from '../deps.js';
import { HttpError, notFound } from '../errors.js';
import type { RouteReply, RouteRequest } from '../routes.js';

export interface CatalogPluginOptions {
  maxUploadBytes?: number;
  /** Uploads with at most this many valid rows are applied during the request; larger ones by a workflow. */
  inlineMaxRows?: number;
}

const rowErrorSchema = z.object({ rowNumber: z.number(), field: z.string().nullable(), reason: z.string(), value: z.string().nullable() });
export const reportSchema = z.object({
  id: z.string(),
  uploadId: z.string(),
  fileName: z.string(),
  format: z.enum(['csv', 'json']),
  /** Not UTF-8 → the file was read as Windows-1252; the dashboard asks the merchant to check accents. */
  encoding: z.enum(TEXT_ENCODINGS),
  status: z.enum(['pending', 'running', 'completed', 'failed']),
  rowsTotal: z.number().nullable(),
  rowsDone: z.number(),
  created: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  rejected: z.number(),
  error: z.string().nullable(),
  workflowId: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
/** The report plus the first row errors (the rest through errors.csv). */
export const importDetailSchema = reportSchema.extend({ errors: z.array(rowErrorSchema), errorsCsvUrl: z.string() });
export const productSchema = z.object({
  id: z.string(),
  sku: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  price: z.string().nullable(),
  currency: z.string(),
  stock: z.number().nullable(),
  category: z.string().nullable(),
  url: z.string().nullable(),
  imageUrl: z.string().nullable(),
  updatedAt: z.string(),
});

const uploadQuerySchema = z.object({
  fileName: z.string().trim().min(1).max(255).default('catalog'),
  /** Retrying the same upload with the same id returns the first import instead of importing twice. */
  uploadId: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'letters, digits, - and _ only (at most 100)').optional(),
});
const idParamsSchema = z.object({ id: z.string().min(1).max(64) });
const ERRORS_PREVIEW = 100;

const upload = {
  schema: { querystring: uploadQuerySchema, response: { 200: importDetailSchema, 201: importDetailSchema, 202: importDetailSchema } },
};
const listImports = {
  schema: {
    querystring: z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) }),
    response: { 200: z.object({ imports: z.array(reportSchema) }) },
  },
};
const readImport = { schema: { params: idParamsSchema, response: { 200: importDetailSchema } } };
const downloadErrors = { schema: { params: idParamsSchema } };
export const productPageSchema = z.object({ items: z.array(productSchema), total: z.number(), page: z.number(), pageSize: z.number(), query: z.string() });
const readProducts = {
  schema: {
    querystring: z.object({
      query: z.string().max(200).optional(),
      page: z.coerce.number().int().min(1).max(100_000).default(1),
      pageSize: z.coerce.number().int().min(1).max(100).default(25),
    }),
    response: { 200: productPageSchema },
  },
};

/**
 * Catalog uploads and the product list (prefix /api/catalog). An upload is the raw file as the request
 * body (Content-Type text/csv, application/json or application/x-ndjson; file name in `?fileName=`):
 * streamed, never buffered, so size is bounded by `maxUploadBytes` alone. See lib/catalog/README.md.
 */
export function catalogPlugin(ctx: ApiContext, options: CatalogPluginOptions = {}): FastifyPluginAsyncZod {
  const { prisma, workflows } = ctx;
  const maxBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const inlineMaxRows = options.inlineMaxRows ?? 5_000;
  const transferLimits: TransferLimits = {
    minBytesPerSecond: ctx.env.CATALOG_UPLOAD_MIN_BYTES_PER_SECOND,
    windowMs: ctx.env.CATALOG_UPLOAD_RATE_WINDOW_MS,
    deadlineMs: ctx.env.CATALOG_UPLOAD_DEADLINE_MS,
  };

  return async (app) => {
    // Encapsulated to this plugin: upload bodies reach the handler as the raw stream, whatever the type;
    // the handler decides (415 with a readable message rather than Fastify's generic one).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    app.post('/uploads', upload, uploadCatalog);
    app.get('/imports', listImports, listCatalogImports);
    app.get('/imports/:id', readImport, readCatalogImport);
    app.get('/imports/:id/errors.csv', downloadErrors, downloadImportErrors);
    app.get('/products', readProducts, listCatalogProducts);
  };

  /** The report plus the first row errors (the rest through errors.csv). */
  async function withErrors(request: RouteRequest, report: CatalogImportReport) {
    const errors = await tenantDb(prisma, request).catalogImportError.findMany({
      where: { importId: report.id },
      orderBy: [{ rowNumber: 'asc' }, { id: 'asc' }],
      take: ERRORS_PREVIEW,
      select: { rowNumber: true, field: true, reason: true, value: true },
    });
    return { ...report, errors, errorsCsvUrl: `/api/catalog/imports/${report.id}/errors.csv` };
  }

  /**
   * Reads the file into staging, then applies it: during the request when it is small (201), by the
   * catalog import workflow when it is large (202, progress on the import). A repeated upload id answers
   * with the first import (200); a refused file leaves nothing but its audit row.
   */
  async function uploadCatalog(request: RouteRequest<typeof upload.schema>, reply: RouteReply<typeof upload.schema>) {
    const auth = requireAuth(request);
    const db = tenantDb(prisma, request);
    // Read now: once the upload stream has failed the socket may be gone, and with it the address.
    const ip = request.ip;
    const { fileName, uploadId = randomUUID() } = request.query;
    const body = request.body instanceof Readable ? request.body : Readable.from([]);
    const audit = (details: Record<string, string | number>, targetId?: string) =>
      writeAudit(prisma, { tenantId: auth.tenantId, actorUserId: auth.userId, actorType: 'user', action: 'catalog.upload', targetType: 'catalog_import', ...(targetId ? { targetId } : {}), details: { fileName, uploadId, ...details }, ip });

    const format = formatFromContentType(request.headers['content-type'], fileName);
    if (!format) {
      body.resume();
      throw new HttpError(415, 'Upload a CSV (text/csv), JSON (application/json) or JSON lines (application/x-ndjson) file.', 'unsupported_media_type');
    }
    const existing = await db.catalogImport.findFirst({ where: { uploadId } });
    if (existing) {
      body.resume();
      return reply.code(200).send(await withErrors(request, toReport(existing)));
    }

    let received;
    try {
      const limited = withTransferLimits(body, transferLimits, () => undefined);
      received = await receiveUpload(prisma, { tenantId: auth.tenantId, userId: auth.userId, uploadId, fileName, format, body: limited, maxBytes });
    } catch (error) {
      if (error instanceof CatalogFileError) {
        // A client that stopped sending gets its answer and the connection closed; reading on would wait.
        if (error.code === 'upload_too_slow') void reply.header('connection', 'close');
        else body.resume();
        await audit({ outcome: 'refused', reason: error.code });
        throw new HttpError(error.status, error.message, error.code);
      }
      if (isUniqueViolation(error)) throw new HttpError(409, 'This upload is already being received; wait for it to finish.', 'upload_in_progress');
      throw error;
    }

    if (received.staged <= inlineMaxRows) {
      const report = await applyAll(prisma, received.importId);
      await audit({ outcome: 'imported', format, encoding: received.encoding, bytes: received.bytes, rows: received.rowsTotal, created: report.created, updated: report.updated, unchanged: report.unchanged, rejected: report.rejected }, report.id);
      return reply.code(201).send(await withErrors(request, report));
    }

    let workflowId;
    try {
      ({ workflowId } = await workflows.catalogImports.start({ tenantId: auth.tenantId, uploadId, importId: received.importId }));
    } catch (error) {
      request.log.error({ err: error, uploadId }, 'could not start the catalog import workflow');
      await failImport(prisma, received.importId, 'The import could not be started; upload the file again.');
      throw new HttpError(503, 'The import could not be started right now; please upload the file again in a minute.', 'import_not_started');
    }
    const started = await db.catalogImport.update({ where: { id: received.importId }, data: { workflowId } });
    await audit({ outcome: 'started', format, encoding: received.encoding, bytes: received.bytes, rows: received.rowsTotal, rejected: received.rejected, workflowId }, started.id);
    return reply.code(202).send(await withErrors(request, toReport(started)));
  }

  async function listCatalogImports(request: RouteRequest<typeof listImports.schema>) {
    const rows = await tenantDb(prisma, request).catalogImport.findMany({ orderBy: { createdAt: 'desc' }, take: request.query.limit });
    return { imports: rows.map(toReport) };
  }

  async function findImport(request: RouteRequest<{ params: typeof idParamsSchema }>): Promise<CatalogImportReport> {
    const found = await tenantDb(prisma, request).catalogImport.findFirst({ where: { id: request.params.id } });
    if (!found) throw notFound('Import');
    return toReport(found);
  }

  async function readCatalogImport(request: RouteRequest<typeof readImport.schema>) {
    return withErrors(request, await findImport(request));
  }

  async function downloadImportErrors(request: RouteRequest<typeof downloadErrors.schema>, reply: RouteReply<typeof downloadErrors.schema>) {
    const auth = requireAuth(request);
    const report = await findImport(request);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="catalog-import-${report.id}-errors.csv"`)
      .send(importErrorsCsv(prisma, auth.tenantId, report.id, (err) => request.log.error({ err }, 'import errors CSV ended early')));
  }

  async function listCatalogProducts(request: RouteRequest<typeof readProducts.schema>) {
    const auth = requireAuth(request);
    return listProducts(prisma, auth.tenantId, request.query);
  }
}
