import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createCatalogActivities } from '../../activities/catalog.js';
import { receiveUpload } from '../../lib/catalog/receive.js';
import { createPrismaClient, type PrismaClient } from '../../lib/db/client.js';
import { workflowIds } from '../../lib/temporal/names.js';
import { catalogImportWorkflow } from '../../workflows/catalog-import.js';
import { progressQuery } from '../../workflows/contracts/catalog-import.js';
import { connectDevServer, workflowBundle } from '../support/temporal.js';
import { chunked, createTenant } from './helpers.js';

let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let tenantId: string;

beforeAll(async () => {
  env = await connectDevServer();
  prisma = createPrismaClient(inject('databaseUrl'), { max: 4 });
  tenantId = await createTenant(prisma);
});
afterAll(async () => {
  await prisma?.tenant.delete({ where: { id: tenantId } });
  await prisma?.$disconnect();
  await env?.teardown();
});

it('applies a 25k-row upload in slices on a real Temporal server, with progress, and reports', async () => {
  const rows = Array.from({ length: 25_000 }, (_, i) => (i === 20_000 ? `P-${i},,1` : `P-${i},Product ${i},${(i % 90) + 0.5},${i % 7}`));
  const csv = `sku,name,price,stock\n${rows.join('\n')}\n`;
  const uploadId = randomUUID();
  const received = await receiveUpload(prisma, { tenantId, userId: null, uploadId, fileName: 'big.csv', format: 'csv', body: chunked(csv, 64 * 1024) });
  expect(received).toMatchObject({ rowsTotal: 25_000, staged: 24_999, rejected: 1 });

  const taskQueue = `catalog-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities: createCatalogActivities({ prisma }) });
  const report = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(catalogImportWorkflow, {
      taskQueue,
      workflowId: workflowIds.catalogImport(tenantId, uploadId),
      args: [{ tenantId, importId: received.importId }],
    });
    // The dashboard's view: the counter moves while the workflow runs.
    const seen = new Set<number>();
    for (let done = false; !done; ) {
      const row = await prisma.catalogImport.findUniqueOrThrow({ where: { id: received.importId } });
      seen.add(row.rowsDone);
      done = row.status === 'completed' || row.status === 'failed';
      if (!done) await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen.size).toBeGreaterThan(2);
    expect(await handle.query(progressQuery)).toEqual({ rowsDone: 25_000, rowsTotal: 25_000 });
    return handle.result();
  });

  expect(report).toMatchObject({ status: 'completed', rowsTotal: 25_000, rowsDone: 25_000, created: 24_999, updated: 0, unchanged: 0, rejected: 1 });
  expect(await prisma.product.count({ where: { tenantId } })).toBe(24_999);
  expect(await prisma.catalogImportRow.count({ where: { importId: received.importId } })).toBe(0);
  expect(await prisma.catalogImportError.findMany({ where: { importId: received.importId }, select: { rowNumber: true, reason: true } })).toEqual([
    { rowNumber: 20_002, reason: 'name is required' },
  ]);
});

it('marks the import failed with a reason when its staged rows are gone', async () => {
  const received = await receiveUpload(prisma, { tenantId, userId: null, uploadId: randomUUID(), fileName: 'x.csv', format: 'csv', body: chunked('sku,name,price\nQ-1,Q,1\nQ-2,R,2\n') });
  // What a Postgres crash does to the UNLOGGED staging table.
  await prisma.catalogImportRow.deleteMany({ where: { importId: received.importId } });
  const taskQueue = `catalog-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities: createCatalogActivities({ prisma }) });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(catalogImportWorkflow, { taskQueue, workflowId: `catalog-import-test-${randomUUID()}`, args: [{ tenantId, importId: received.importId }] });
    await expect(handle.result()).rejects.toThrow();
  });
  const failed = await prisma.catalogImport.findUniqueOrThrow({ where: { id: received.importId } });
  expect(failed.status).toBe('failed');
  expect(failed.error).toMatch(/no longer staged.*upload the file again/);
});
