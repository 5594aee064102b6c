import { randomUUID } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, signUp, startTestApi, type TestApi, type TestSession } from '../support/api.js';
import { NOT_A_LIST, windows1252 } from './helpers.js';

let api: TestApi;
let merchant: TestSession;

beforeAll(async () => {
  api = await startTestApi();
  merchant = await signUp(api.app);
});
afterAll(async () => {
  await api?.close();
});

function upload(session: TestSession, body: string | Buffer | Readable, contentType: string | null, query = 'fileName=catalog.csv') {
  return api.app.inject({
    method: 'POST',
    url: `/api/catalog/uploads?${query}`,
    headers: { ...authHeaders(session), ...(contentType ? { 'content-type': contentType } : {}) },
    payload: body,
  });
}

async function nothingWritten(tenantId: string) {
  const [imports, products, errors] = await Promise.all([
    api.prisma.catalogImport.count({ where: { tenantId } }),
    api.prisma.product.count({ where: { tenantId } }),
    api.prisma.catalogImportError.count({ where: { tenantId } }),
  ]);
  return imports + products + errors === 0;
}

describe('POST /api/catalog/uploads', () => {
  it('imports a small CSV inline: 201 with the report, the first errors and an errors.csv link; audited', async () => {
    const session = await signUp(api.app);
    const csv = 'sku,name,price\nA-1,Apple,1.5\nA-2,,2\nA-3,Apricot,"=cmd|calc"\n';
    const res = await upload(session, csv, 'text/csv');
    expect(res.statusCode).toBe(201);
    const report = res.json<{ id: string; status: string; created: number; rejected: number; errors: unknown[]; errorsCsvUrl: string }>();
    expect(report).toMatchObject({ status: 'completed', created: 1, rejected: 2, errorsCsvUrl: `/api/catalog/imports/${report.id}/errors.csv` });
    expect(report.errors).toEqual([
      { rowNumber: 3, field: 'name', reason: 'name is required', value: null },
      { rowNumber: 4, field: 'price', reason: 'price must be a number like 19.99 (no currency symbols or thousands separators)', value: '=cmd|calc' },
    ]);

    const csvRes = await api.app.inject({ method: 'GET', url: report.errorsCsvUrl, headers: authHeaders(session) });
    expect(csvRes.statusCode).toBe(200);
    expect(csvRes.headers['content-type']).toContain('text/csv');
    // A formula in an uploaded cell is defused before it reaches the merchant's spreadsheet.
    expect(csvRes.body).toBe('\uFEFFrow,field,reason,value\r\n3,name,name is required,\r\n4,price,price must be a number like 19.99 (no currency symbols or thousands separators),\'=cmd|calc\r\n');

    const audit = await api.prisma.auditLog.findFirst({ where: { tenantId: session.tenantId, action: 'catalog.upload' } });
    expect(audit).toMatchObject({ actorUserId: session.userId, targetId: report.id, details: expect.objectContaining({ outcome: 'imported', created: 1, rejected: 2 }) });
  });

  it('streams a body larger than the global 1 MB JSON limit', async () => {
    const session = await signUp(api.app);
    const rows = Array.from({ length: 4_000 }, (_, i) => JSON.stringify({ sku: `L-${i}`, name: `Lamp ${i} ${'x'.repeat(300)}`, price: 10 })).join('\n');
    expect(rows.length).toBeGreaterThan(1024 * 1024);
    const res = await upload(session, Readable.from([rows]), 'application/x-ndjson', 'fileName=lamps.jsonl');
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ created: 4_000, format: 'json' });
  });

  it('imports a Windows-1252 CSV (Excel on Windows): 201, never 500, and the report says how it was read', async () => {
    const session = await signUp(api.app);
    const res = await upload(session, windows1252('sku,name,price\nCAFE-1,Café,12.50\n'), 'text/csv', 'fileName=excel.csv');
    expect(res.statusCode).not.toBe(500);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ status: 'completed', created: 1, rejected: 0, encoding: 'windows-1252' });
    const product = await api.prisma.product.findFirstOrThrow({ where: { tenantId: session.tenantId } });
    expect(product.name).toBe('Café');
    const listed = await api.app.inject({ method: 'GET', url: '/api/catalog/imports', headers: authHeaders(session) });
    expect(listed.json<{ imports: { encoding: string }[] }>().imports.map((i) => i.encoding)).toEqual(['windows-1252']);
    const utf8 = await upload(session, 'sku,name,price\nCAFE-1,Café,12.50\n', 'text/csv', 'fileName=utf8.csv');
    expect(utf8.json()).toMatchObject({ unchanged: 1, encoding: 'utf-8' });
  });

  it('answers a NUL byte in a row with a row error (201), not a server error', async () => {
    const session = await signUp(api.app);
    const res = await upload(session, 'sku,name,price\nA-1,Good,1\nA-2,Bad\0name,2\n', 'text/csv');
    expect(res.statusCode).not.toBe(500);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ created: 1, rejected: 1, errors: [{ rowNumber: 3, field: null, value: null }] });
  });

  it('says why a JSON file is not a catalog (422 with the message), and reads a {"products": [...]} wrapper', async () => {
    const session = await signUp(api.app);
    const res = await upload(session, '{"hello":"world"}', 'application/json', 'fileName=hello.json');
    expect(res.statusCode).toBe(422);
    expect(res.json<{ message: string }>().message.startsWith(NOT_A_LIST)).toBe(true);
    const wrapped = await upload(session, JSON.stringify({ products: [{ sku: 'W-1', name: 'Wrapped', price: 1 }] }), 'application/json', 'fileName=shop.json');
    expect(wrapped.statusCode).toBe(201);
    expect(wrapped.json()).toMatchObject({ created: 1, rejected: 0, format: 'json', encoding: 'utf-8' });
  });

  it('returns the first import when the same uploadId is sent again', async () => {
    const session = await signUp(api.app);
    const query = `fileName=a.csv&uploadId=${randomUUID()}`;
    const first = await upload(session, 'sku,name,price\nA,Apple,1\n', 'text/csv', query);
    const again = await upload(session, 'sku,name,price\nA,Apple,1\n', 'text/csv', query);
    expect([first.statusCode, again.statusCode]).toEqual([201, 200]);
    expect(again.json<{ id: string }>().id).toBe(first.json<{ id: string }>().id);
    expect(await api.prisma.catalogImport.count({ where: { tenantId: session.tenantId } })).toBe(1);
  });

  const refused: [string, string | Buffer, string | null, number, string][] = [
    ['an unsupported content type', 'sku,name,price\nA,B,1\n', 'application/pdf', 415, 'unsupported_media_type'],
    ['an empty body', '', 'text/csv', 400, 'empty_file'],
    ['a CSV without the price column', 'sku,name\nA,B\n', 'text/csv', 400, 'missing_columns'],
    ['a header and no rows', 'sku,name,price\n', 'text/csv', 400, 'no_rows'],
    ['UTF-16 text', Buffer.from('\ufeffsku,name,price\nA,B,1\n', 'utf16le'), 'text/csv', 400, 'invalid_encoding'],
    ['broken JSON', '[{"sku":"A","name":"B","price":1}, {', 'application/json', 400, 'malformed_file'],
    ['UTF-8 then a byte that is not UTF-8', Buffer.concat([Buffer.from('sku,name,price\nA,Crème,1\n'), windows1252('B,Café,2\n')]), 'text/csv', 400, 'invalid_encoding'],
    ['UTF-16 without a BOM', Buffer.from('sku,name,price\nA,B,1\n', 'utf16le'), 'text/csv', 400, 'invalid_encoding'],
    ['JSON that is one object, not a list', '{"hello":"world"}', 'application/json', 422, 'not_a_catalog'],
    ['a pretty-printed JSON object', JSON.stringify({ sku: 'A', name: 'B', price: 1 }, null, 2), 'application/json', 422, 'not_a_catalog'],
    ['JSON objects without any product field', '[{"foo":1},{"bar":2}]', 'application/json', 422, 'not_a_catalog'],
  ];
  for (const [what, body, type, status, code] of refused) {
    it(`refuses ${what} with ${status} ${code} and writes nothing`, async () => {
      const session = await signUp(api.app);
      const res = await upload(session, body, type);
      // A refused file is the merchant's problem to fix, never a server error.
      expect(res.statusCode).not.toBe(500);
      expect(res.statusCode).toBe(status);
      expect(res.json()).toMatchObject({ error: code, message: expect.any(String) });
      expect(await nothingWritten(session.tenantId)).toBe(true);
    });
  }

  it('asks for a login (401) and a CSRF token (403)', async () => {
    const anonymous = await api.app.inject({ method: 'POST', url: '/api/catalog/uploads', headers: { 'content-type': 'text/csv' }, payload: 'sku,name,price\nA,B,1\n' });
    expect(anonymous.statusCode).toBe(401);
    const noCsrf = await api.app.inject({ method: 'POST', url: '/api/catalog/uploads', headers: { cookie: merchant.cookie, 'content-type': 'text/csv' }, payload: 'x' });
    expect(noCsrf.statusCode).toBe(403);
    expect(await nothingWritten(merchant.tenantId)).toBe(true);
  });
});

describe('large uploads', () => {
  it('are staged and handed to the catalog-import workflow: 202 with the import and its workflow id', async () => {
    const session = await signUp(api.app);
    const rows = Array.from({ length: 6_000 }, (_, i) => `W-${i},Widget ${i},${i}.25`).join('\n');
    const res = await upload(session, `sku,name,price\n${rows}\n`, 'text/csv', 'fileName=big.csv&uploadId=big-1');
    expect(res.statusCode).toBe(202);
    const report = res.json<{ id: string; status: string; rowsTotal: number; workflowId: string }>();
    expect(report).toMatchObject({ status: 'pending', rowsTotal: 6_000, workflowId: `catalog-import:${session.tenantId}:big-1` });
    const handle = api.deps.temporal.workflow.getHandle(report.workflowId);
    expect((await handle.describe()).type).toBe('catalogImportWorkflow');
    // The workflow path runs end to end in large-upload-runs-as-workflow.test.ts, on its own task queue.
    await handle.terminate('test done').catch(() => undefined);
  });

  it('one shop receives one upload at a time: a second while the first is still coming is a 409, then works', async () => {
    const session = await signUp(api.app);
    // The first file arrives slowly: its header and a few rows now, the rest when the test says so.
    const slow = new PassThrough();
    slow.write('sku,name,price\nQ-1,Quince,1\n');
    const first = upload(session, slow, 'text/csv', 'fileName=slow.csv&uploadId=slow-1');
    // Once it holds its shop's lock (other files' uploads hold other shops' locks; the key is compared whole).
    const lockHeld = () => api.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_locks
      WHERE locktype = 'advisory' AND granted
        AND ((classid::bigint << 32) | objid::bigint) = hashtextextended('wara:catalog:' || ${session.tenantId}, 0)`.then((r) => r[0]!.n);
    await expect.poll(lockHeld).toBe(1);

    const second = await upload(session, 'sku,name,price\nQ-1,Quince (new),2\n', 'text/csv', 'fileName=fast.csv&uploadId=fast-1');
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ error: 'upload_in_progress' });
    // Refused whole: no import row (so the same upload id can be sent again), nothing staged.
    expect(await api.prisma.catalogImport.count({ where: { tenantId: session.tenantId, uploadId: 'fast-1' } })).toBe(0);
    // Another shop is not held up.
    expect((await upload(merchant, 'sku,name,price\nZ-1,Zucchini,1\n', 'text/csv', 'uploadId=other-shop')).statusCode).toBe(201);

    slow.end('Q-2,Quinoa,3\n');
    expect((await first).statusCode).toBe(201);
    const retry = await upload(session, 'sku,name,price\nQ-1,Quince (new),2\n', 'text/csv', 'fileName=fast.csv&uploadId=fast-2');
    expect(retry.statusCode).toBe(201);
    const products = await api.prisma.product.findMany({ where: { tenantId: session.tenantId }, orderBy: { sku: 'asc' } });
    expect(products.map((p) => [p.sku, String(p.price)])).toEqual([['Q-1', '2'], ['Q-2', '3']]);
  });
});

describe('GET endpoints', () => {
  it('list, search and page the merchant\'s products, and never show another tenant\'s', async () => {
    const session = await signUp(api.app);
    const other = await signUp(api.app);
    await upload(session, 'sku,name,price,category\nS-1,Red shoe,10,Shoes\nS-2,Blue shoe,11,Shoes\nH-1,Green hat,5,Hats\n', 'text/csv');
    await upload(other, 'sku,name,price\nS-9,Red shoe deluxe,99\n', 'text/csv');

    const get = (url: string, s: TestSession = session) => api.app.inject({ method: 'GET', url, headers: authHeaders(s) });
    const all = (await get('/api/catalog/products?pageSize=2')).json<{ items: { sku: string; price: string }[]; total: number }>();
    expect(all.total).toBe(3);
    // Decimal text with the currency's minor units (USD: two), the same as the AI's sources and replies.
    expect(all.items.map((p) => [p.sku, p.price])).toEqual([['S-2', '11.00'], ['H-1', '5.00']]);
    const page2 = (await get('/api/catalog/products?pageSize=2&page=2')).json<{ items: { sku: string }[] }>();
    expect(page2.items.map((p) => p.sku)).toEqual(['S-1']);
    const search = (await get('/api/catalog/products?query=SHOE')).json<{ items: { sku: string }[]; total: number }>();
    expect(search.items.map((p) => p.sku)).toEqual(['S-2', 'S-1']);

    const imports = (await get('/api/catalog/imports')).json<{ imports: { id: string }[] }>();
    expect(imports.imports).toHaveLength(1);
    const id = imports.imports[0]?.id ?? '';
    expect((await get(`/api/catalog/imports/${id}`)).statusCode).toBe(200);
    expect((await get(`/api/catalog/imports/${id}`, other)).statusCode).toBe(404);
    expect((await get(`/api/catalog/imports/${id}/errors.csv`, other)).statusCode).toBe(404);
  });
});
