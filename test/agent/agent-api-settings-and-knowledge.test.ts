// The agent page's API: settings saved as versions (a stale save is refused), knowledge written or uploaded
// (Markdown, text, PDF through PDF.js), uploads refused with a clear 4xx and nothing half-written, tenants
// kept apart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, signUp, startTestApi, type TestApi, type TestSession } from '../support/api.js';
import { defaultAgentSettings, type AgentSettings } from '../../lib/agent/settings.js';
import { pdfWithText } from './pdf-fixture.js';

let api: TestApi;
let shop: TestSession;
beforeAll(async () => {
  api = await startTestApi();
  shop = await signUp(api.app, { companyName: 'Agent API shop' });
});
afterAll(async () => api?.close());

const call = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: unknown, session = shop) =>
  api.app.inject({ method, url, headers: authHeaders(session), ...(payload === undefined ? {} : { payload: payload as object }) });

function upload(body: Buffer | string, contentType: string, query = 'kind=policy&topic=returns&fileName=returns.pdf', session = shop) {
  return api.app.inject({ method: 'POST', url: `/api/agent/knowledge/uploads?${query}`, headers: { ...authHeaders(session), 'content-type': contentType }, payload: body });
}

const documents = () => api.prisma.knowledgeDocument.count({ where: { tenantId: shop.tenantId } });
const passages = () => api.prisma.knowledgePassage.count({ where: { tenantId: shop.tenantId } });

describe('agent settings', () => {
  it('starts from the defaults, saves versions, and refuses a save from a stale version', async () => {
    const first = await call('GET', '/api/agent/settings');
    expect(first.json()).toMatchObject({ version: null, settings: defaultAgentSettings(), versions: [] });
    const settings: AgentSettings = { ...defaultAgentSettings(), name: 'Lola', languages: ['es', 'en'] };
    const saved = await call('PUT', '/api/agent/settings', { baseVersion: null, settings });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({ version: 1, settings: { name: 'Lola', languages: ['es', 'en'] }, versions: [{ version: 1 }] });

    const again = await call('PUT', '/api/agent/settings', { baseVersion: 1, settings: { ...settings, tone: 'formal' } });
    expect(again.json<{ version: number }>().version).toBe(2);
    const stale = await call('PUT', '/api/agent/settings', { baseVersion: 1, settings: { ...settings, tone: 'playful' } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ error: 'stale_settings', details: { currentVersion: 2 } });
    // Old versions are kept as they were.
    const rows = await api.prisma.agentSettingsVersion.findMany({ where: { tenantId: shop.tenantId }, orderBy: { version: 'asc' } });
    expect(rows.map((r) => (r.settings as AgentSettings).tone)).toEqual(['friendly', 'formal']);
  });

  it('refuses invalid settings with the field named', async () => {
    const bad = await call('PUT', '/api/agent/settings', { baseVersion: 2, settings: { ...defaultAgentSettings(), instructions: 'x'.repeat(2001) } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ message: string }>().message).toMatch(/instructions/);
  });
});

describe('knowledge', () => {
  it('FAQ entries and policies are written, edited and deleted with their passages', async () => {
    const faq = await call('POST', '/api/agent/knowledge', { kind: 'faq', topic: 'payments', title: 'Do you take PayPal?', body: 'Yes, PayPal and all major cards.' });
    expect(faq.statusCode, faq.body).toBe(201);
    const id = faq.json<{ id: string }>().id;
    const edited = await call('PUT', `/api/agent/knowledge/${id}`, { kind: 'faq', topic: 'payments', title: 'Do you take PayPal?', body: 'Yes: PayPal, Visa, Mastercard and Bizum.' });
    expect(edited.json()).toMatchObject({ body: 'Yes: PayPal, Visa, Mastercard and Bizum.', passages: 1 });
    expect((await call('GET', '/api/agent/knowledge')).json<{ items: unknown[] }>().items).toHaveLength(1);
    expect((await call('DELETE', `/api/agent/knowledge/${id}`)).statusCode).toBe(204);
    expect(await passages()).toBe(0);
  });

  it('a PDF policy is read with PDF.js, stored with its pages and split into passages', async () => {
    const pdf = pdfWithText([
      ['Returns policy', 'You can return unused items within 30 days of delivery.'],
      ['Refunds reach your card within 5 business days.', ...Array.from({ length: 30 }, (_, i) => `Clause ${i + 1}: items must be unused and in their box.`)],
    ]);
    const res = await upload(pdf, 'application/pdf', 'kind=policy&topic=returns&fileName=Returns%20policy.pdf');
    expect(res.statusCode, res.body).toBe(201);
    const item = res.json<{ title: string; body: string; source: string; pageCount: number; passages: number; fileName: string }>();
    expect(item).toMatchObject({ title: 'Returns policy', source: 'upload', pageCount: 2, fileName: 'Returns policy.pdf' });
    expect(item.body).toContain('You can return unused items within 30 days of delivery.');
    expect(item.body).toContain('Refunds reach your card within 5 business days.');
    expect(item.passages).toBeGreaterThan(1);
  });

  it('Markdown and plain text uploads keep the words, not the markup', async () => {
    const md = await upload('# Shipping\n\n**Delivery** takes [3-5 days](https://example.com).\n\n- EU only', 'text/markdown', 'topic=shipping&fileName=shipping.md');
    expect(md.statusCode, md.body).toBe(201);
    expect(md.json<{ body: string; title: string }>()).toMatchObject({ title: 'shipping', body: 'Shipping\n\nDelivery takes 3-5 days.\n\n- EU only' });
    const latin1 = await upload(Buffer.from('Horario: lunes a viernes, 9:00–18:00. Dirección: Calle Mayor 1.'.replace('–', '-'), 'latin1'), 'text/plain', 'topic=hours&fileName=horario.txt');
    expect(latin1.json<{ body: string }>().body).toContain('Dirección: Calle Mayor 1.');
  });

  it('refused uploads say why and write nothing', async () => {
    const [docsBefore, passagesBefore] = [await documents(), await passages()];
    const refusals: Array<[Buffer | string, string, string, number, string]> = [
      ['GIF89a…', 'image/gif', 'fileName=photo.gif', 415, 'unsupported_file_type'],
      ['%PDF-1.4 this is not really a pdf', 'application/pdf', 'fileName=broken.pdf', 422, 'pdf_unreadable'],
      [pdfWithText([[]]), 'application/pdf', 'fileName=scan.pdf', 422, 'no_text'],
      ['', 'text/plain', 'fileName=empty.txt', 422, 'empty_file'],
      [Buffer.alloc(6 * 1024 * 1024, 'a'), 'text/plain', 'fileName=huge.txt', 413, 'file_too_large'],
      ['a '.repeat(40_000), 'text/plain', 'fileName=long.txt', 422, 'text_too_long'],
      ['ok', 'text/plain', 'kind=recipe&fileName=x.txt', 400, 'invalid_request'],
    ];
    for (const [body, type, query, status, code] of refusals) {
      const res = await upload(body, type, query);
      expect(res.statusCode, `${query}: ${res.body}`).toBe(status);
      expect(res.json<{ error: string; message: string }>(), query).toMatchObject({ error: code, message: expect.any(String) });
    }
    expect([await documents(), await passages()]).toEqual([docsBefore, passagesBefore]);
  });

  it('another tenant sees none of it and cannot change it', async () => {
    const other = await signUp(api.app, { companyName: 'Other shop' });
    const mine = (await call('GET', '/api/agent/knowledge')).json<{ items: Array<{ id: string }> }>().items;
    expect(mine.length).toBeGreaterThan(0);
    expect((await call('GET', '/api/agent/knowledge', undefined, other)).json<{ items: unknown[] }>().items).toEqual([]);
    expect((await call('DELETE', `/api/agent/knowledge/${mine[0]!.id}`, undefined, other)).statusCode).toBe(404);
    expect((await call('GET', '/api/agent/settings', undefined, other)).json()).toMatchObject({ version: null });
  });
});
