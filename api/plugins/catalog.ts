import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { writeAudit } from '../../lib/audit.js';
import { applyAll, failImport, loadReport, toReport, type CatalogImportReport } from '../../lib/catalog/apply.js';
import { importErrorsCsv } from '../../lib/catalog/error-export.js';
import { CatalogFileError } from '../../lib/catalog/errors.js';
import { listProducts } from '../../lib/catalog/products.js';
import { isUniqueViolation } from '../../lib/db/sql.js';
import { DEFAULT_MAX_UPLOAD_BYTES, formatFromContentType, receiveUpload } from '../../lib/catalog/receive.js';
import { workflowIds } from '../../lib/temporal/names.js';
import type { catalogImportWorkflow } from '../../workflows/catalog-import.js';
import { requireAuth } from '../auth/context.js';
import type { ApiDeps } from '../deps.js';
import { HttpError, notFound } from '../errors.js';

export interface CatalogPluginOptions {
  maxUploadBytes?: number;
  /** Uploads with at most this many valid rows are applied during the request; larger ones by a workflow. */
  inlineMaxRows?: number;
}

const rowErrorSchema = z.object({ rowNumber: z.number(), field: z.string().nullable(), reason: z.string(), value: z.string().nullable() });
const reportSchema = z.object({
  id: z.string(),
  uploadId: z.string(),
  fileName: z.string(),
  format: z.enum(['csv', 'json']),
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
const importDetailSchema = reportSchema.extend({ errors: z.array(rowErrorSchema), errorsCsvUrl: z.string() });
const productSchema = z.object({
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

/**
 * Catalog uploads and the product list. An upload is the raw file as the request body (Content-Type
 * text/csv, application/json or application/x-ndjson; file name in `?fileName=`): streamed, never
 * buffered, so size is bounded by `maxUploadBytes` alone. See lib/catalog/README.md for the design.
 */
export function catalogPlugin(deps: ApiDeps, options: CatalogPluginOptions = {}): FastifyPluginAsyncZod {
  const { prisma, temporal } = deps;
  const maxBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const inlineMaxRows = options.inlineMaxRows ?? 5_000;

  const withErrors = async (tenantId: string, report: CatalogImportReport) => {
    const errors = await prisma.catalogImportError.findMany({
      where: { tenantId, importId: report.id },
      orderBy: [{ rowNumber: 'asc' }, { id: 'asc' }],
      take: ERRORS_PREVIEW,
      select: { rowNumber: true, field: true, reason: true, value: true },
    });
    return { ...report, errors, errorsCsvUrl: `/api/catalog/imports/${report.id}/errors.csv` };
  };

  return async (app) => {
    // Encapsulated to this plugin: upload bodies reach the handler as the raw stream, whatever the type;
    // the handler decides (415 with a readable message rather than Fastify's generic one).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    app.post(
      '/api/catalog/uploads',
      { schema: { querystring: uploadQuerySchema, response: { 200: importDetailSchema, 201: importDetailSchema, 202: importDetailSchema } } },
      async (request, reply) => {
        const auth = requireAuth(request);
        const { fileName, uploadId = randomUUID() } = request.query;
        const body = request.body instanceof Readable ? request.body : Readable.from([]);
        const audit = (details: Record<string, string | number>, targetId?: string) =>
          writeAudit(prisma, { tenantId: auth.tenantId, actorUserId: auth.userId, actorType: 'user', action: 'catalog.upload', targetType: 'catalog_import', ...(targetId ? { targetId } : {}), details: { fileName, uploadId, ...details }, ip: request.ip });

        const format = formatFromContentType(request.headers['content-type'], fileName);
        if (!format) {
          body.resume();
          throw new HttpError(415, 'Upload a CSV (text/csv), JSON (application/json) or JSON lines (application/x-ndjson) file.', 'unsupported_media_type');
        }
        const existing = await prisma.catalogImport.findUnique({ where: { tenantId_uploadId: { tenantId: auth.tenantId, uploadId } } });
        if (existing) {
          body.resume();
          return reply.code(200).send(await withErrors(auth.tenantId, toReport(existing)));
        }

        let received;
        try {
          received = await receiveUpload(prisma, { tenantId: auth.tenantId, userId: auth.userId, uploadId, fileName, format, body, maxBytes });
        } catch (error) {
          if (error instanceof CatalogFileError) {
            body.resume();
            await audit({ outcome: 'refused', reason: error.code });
            throw new HttpError(error.status, error.message, error.code);
          }
          if (isUniqueViolation(error)) throw new HttpError(409, 'This upload is already being received; wait for it to finish.', 'upload_in_progress');
          throw error;
        }

        if (received.staged <= inlineMaxRows) {
          const report = await applyAll(prisma, received.importId);
          await audit({ outcome: 'imported', format, bytes: received.bytes, rows: received.rowsTotal, created: report.created, updated: report.updated, unchanged: report.unchanged, rejected: report.rejected }, report.id);
          return reply.code(201).send(await withErrors(auth.tenantId, report));
        }

        const workflowId = workflowIds.catalogImport(auth.tenantId, uploadId);
        try {
          await temporal.workflow.start<typeof catalogImportWorkflow>('catalogImportWorkflow', {
            taskQueue: deps.env.TEMPORAL_TASK_QUEUE,
            workflowId,
            args: [{ tenantId: auth.tenantId, importId: received.importId }],
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          });
        } catch (error) {
          request.log.error({ err: error, workflowId }, 'could not start the catalog import workflow');
          await failImport(prisma, received.importId, 'The import could not be started; upload the file again.');
          throw new HttpError(503, 'The import could not be started right now; please upload the file again in a minute.', 'import_not_started');
        }
        const started = await prisma.catalogImport.update({ where: { id: received.importId }, data: { workflowId } });
        await audit({ outcome: 'started', format, bytes: received.bytes, rows: received.rowsTotal, rejected: received.rejected, workflowId }, started.id);
        return reply.code(202).send(await withErrors(auth.tenantId, toReport(started)));
      },
    );

    app.get('/api/catalog/imports', { schema: { querystring: z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) }), response: { 200: z.object({ imports: z.array(reportSchema) }) } } }, async (request) => {
      const auth = requireAuth(request);
      const rows = await prisma.catalogImport.findMany({ where: { tenantId: auth.tenantId }, orderBy: { createdAt: 'desc' }, take: request.query.limit });
      return { imports: rows.map(toReport) };
    });

    app.get('/api/catalog/imports/:id', { schema: { params: idParamsSchema, response: { 200: importDetailSchema } } }, async (request) => {
      const auth = requireAuth(request);
      const report = await loadReport(prisma, auth.tenantId, request.params.id);
      if (!report) throw notFound('Import');
      return withErrors(auth.tenantId, report);
    });

    app.get('/api/catalog/imports/:id/errors.csv', { schema: { params: idParamsSchema } }, async (request, reply) => {
      const auth = requireAuth(request);
      const report = await loadReport(prisma, auth.tenantId, request.params.id);
      if (!report) throw notFound('Import');
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="catalog-import-${report.id}-errors.csv"`)
        .send(Readable.from(importErrorsCsv(prisma, auth.tenantId, report.id)));
    });

    app.get(
      '/api/catalog/products',
      {
        schema: {
          querystring: z.object({
            query: z.string().max(200).optional(),
            page: z.coerce.number().int().min(1).max(100_000).default(1),
            pageSize: z.coerce.number().int().min(1).max(100).default(25),
          }),
          response: { 200: z.object({ items: z.array(productSchema), total: z.number(), page: z.number(), pageSize: z.number(), query: z.string() }) },
        },
      },
      async (request) => {
        const auth = requireAuth(request);
        return listProducts(prisma, auth.tenantId, request.query);
      },
    );
  };
}

