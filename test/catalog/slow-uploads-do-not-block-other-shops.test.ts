import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, signUp, startTestApi, type TestApi, type TestSession } from '../support/api.js';

/**
 * An upload holds a database connection for as long as its file takes to arrive, and the catalog pool has
 * four. Four uploads dripping a few bytes a second (a stalled phone, or someone doing it on purpose) must
 * not stall every other shop's upload: too slow is cut off with a 408, and the others go through.
 */
let api: TestApi;
let url: string;
beforeAll(async () => {
  api = await startTestApi({ CATALOG_UPLOAD_MIN_BYTES_PER_SECOND: '2048', CATALOG_UPLOAD_RATE_WINDOW_MS: '1000' });
  url = await api.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => api?.close());

/** A file that sends its header, then one byte every 300 ms, until cancelled. */
function dripping(): ReadableStream<Uint8Array> {
  let timer: NodeJS.Timeout | undefined;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('sku,name,price\n'));
      timer = setInterval(() => controller.enqueue(new TextEncoder().encode('x')), 300);
    },
    cancel() {
      clearInterval(timer);
    },
  });
}

function upload(session: TestSession, body: ReadableStream<Uint8Array> | string, name: string): Promise<Response> {
  return fetch(`${url}/api/catalog/uploads?fileName=${name}.csv`, {
    method: 'POST',
    headers: { ...authHeaders(session), 'content-type': 'text/csv', origin: api.deps.env.WEB_PUBLIC_URL },
    body,
    // Node's fetch streams a request body only in half-duplex mode.
    ...({ duplex: 'half' } as object),
  });
}

describe('slow uploads', () => {
  it('four dripping uploads are stopped with 408 and another shop uploads meanwhile', async () => {
    const slowShops = await Promise.all([0, 1, 2, 3].map(() => signUp(api.app)));
    const slow = slowShops.map((shop, i) => upload(shop, dripping(), `slow-${i}`));
    // Let them take their connections first.
    await new Promise((r) => setTimeout(r, 500));

    const other = await signUp(api.app);
    const started = Date.now();
    const normal = await upload(other, 'sku,name,price\nA-1,Alpha,1.50\nB-2,Beta,2.00\n', 'normal');
    expect(normal.status).toBe(201);
    // Well inside the time a stalled pool would take (for ever): the slow ones were cut after ~1 window.
    expect(Date.now() - started).toBeLessThan(15_000);

    const answers = await Promise.all(slow);
    expect(answers.map((r) => r.status)).toEqual([408, 408, 408, 408]);
    expect(await answers[0]!.json()).toMatchObject({ error: 'upload_too_slow' });
    // Refused uploads leave nothing behind.
    expect(await api.prisma.catalogImport.count({ where: { tenantId: { in: slowShops.map((s) => s.tenantId) } } })).toBe(0);
    expect(await api.prisma.product.count({ where: { tenantId: other.tenantId } })).toBe(2);
  });
});
