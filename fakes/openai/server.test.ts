import OpenAI, { APIConnectionTimeoutError, APIError, AuthenticationError, BadRequestError, InternalServerError, RateLimitError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatCatalogContext } from '../../lib/ai/catalog-context.js';
import { NO_MATCH_ANSWER } from './answer.js';
import { startFakeOpenAI, type FakeOpenAI } from './server.js';

let fake: FakeOpenAI;
let client: OpenAI;

const catalog = formatCatalogContext([
  { sku: 'TS-001', name: 'Blue Cotton T-Shirt', price: '19.90', currency: 'USD', stock: 12 },
  { sku: 'JK-220', name: 'Leather Jacket', price: '149.00', currency: 'USD', stock: 0 },
  { sku: 'MUG-7', name: 'Café Mug', price: '8.00', currency: 'EUR' },
]);
const system = { role: 'system' as const, content: `You are the shop's assistant. Only use these products:\n${catalog}` };

async function ask(...questions: string[]): Promise<OpenAI.Chat.Completions.ChatCompletion> {
  return client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [system, ...questions.map((content) => ({ role: 'user' as const, content }))],
  });
}

/** The HTTP control API, as a dev-run script or another process would use it. */
async function control(path: string, body?: object): Promise<unknown> {
  const res = await fetch(`${fake.url.replace(/\/v1$/, '')}/_control/${path}`, {
    method: body ? 'POST' : 'GET',
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  expect(res.ok).toBe(true);
  return res.json();
}

beforeAll(async () => {
  fake = await startFakeOpenAI({ port: 0 });
  client = new OpenAI({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
});
afterAll(async () => fake.close());
beforeEach(async () => {
  await control('reset', {});
});

describe('fake OpenAI server through the official SDK', () => {
  it('answers a catalog question with the right product and price, in the real response shape', async () => {
    const res = await ask('Hi, how much is the leather jacket?');
    expect(res.id).toMatch(/^chatcmpl-/);
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe('gpt-4o-mini');
    expect(res.choices[0]?.finish_reason).toBe('stop');
    expect(res.choices[0]?.message).toMatchObject({ role: 'assistant' });
    expect(res.choices[0]?.message.content).toBe("The Leather Jacket (SKU JK-220) costs 149.00 USD. It's currently out of stock.");
    expect(res.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
  });

  it('says so politely when nothing in the catalog matches', async () => {
    const res = await ask('Do you sell bicycles?');
    expect(res.choices[0]?.message.content).toBe(NO_MATCH_ANSWER);
  });

  it('addresses every message of a burst', async () => {
    const res = await ask('hello', 'do you have the blue t-shirt?', 'and the cafe mug??');
    expect(res.choices[0]?.message.content).toBe(
      ['Hello!', "The Blue Cotton T-Shirt (SKU TS-001) costs 19.90 USD. It's in stock.", 'The Café Mug (SKU MUG-7) costs 8.00 EUR.'].join('\n'),
    );
  });

  it('is deterministic: same input, same content and token counts', async () => {
    const a = await ask('t shirt price', 'mug?');
    const b = await ask('t shirt price', 'mug?');
    expect(b.choices[0]?.message.content).toBe(a.choices[0]?.message.content);
    expect(b.usage).toEqual(a.usage);
    expect(b.id).not.toBe(a.id);
  });

  it('records what it received', async () => {
    await ask('mug?');
    const { requests } = (await control('requests')) as { requests: { n: number; model: string; messages: { role: string; content: string }[] }[] };
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ n: 1, model: 'gpt-4o-mini' });
    expect(requests[0]?.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(requests[0]?.messages[1]?.content).toBe('mug?');
  });

  it('returns forced content once, then goes back to catalog answers', async () => {
    await control('force', { content: 'The Leather Jacket costs 9.99 USD.' });
    expect((await ask('leather jacket?')).choices[0]?.message.content).toBe('The Leather Jacket costs 9.99 USD.');
    expect((await ask('leather jacket?')).choices[0]?.message.content).toContain('149.00 USD');
  });

  it('surfaces an injected 500 as the SDK InternalServerError', async () => {
    await control('fail', { status: 500 });
    const err = await ask('mug?').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalServerError);
    expect((err as APIError).status).toBe(500);
    expect((await ask('mug?')).choices[0]?.message.content).toContain('8.00 EUR');
  });

  it('surfaces an injected 429 as RateLimitError with retry-after', async () => {
    await control('fail', { status: 429, retryAfterSeconds: 7 });
    const err = await ask('mug?').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as APIError).status).toBe(429);
    expect((err as APIError).headers?.get('retry-after')).toBe('7');
    expect((err as APIError).code).toBe('rate_limit_exceeded');
  });

  it('surfaces a 503 with the status', async () => {
    await control('fail', { status: 503 });
    const err = await ask('mug?').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(503);
  });

  it('lets the SDK recover from one injected 500 with maxRetries: 2', async () => {
    await control('fail', { status: 500, retryAfterSeconds: 0 });
    await control('force', { content: 'recovered' });
    const retrying = new OpenAI({ apiKey: 'test', baseURL: fake.url, maxRetries: 2 });
    const res = await retrying.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices[0]?.message.content).toBe('recovered');
    expect(((await control('requests')) as { requests: unknown[] }).requests).toHaveLength(2);
  });

  it('hangs longer than the SDK timeout, which raises a timeout error', async () => {
    await control('hang', { ms: 5_000 });
    const impatient = new OpenAI({ apiKey: 'test', baseURL: fake.url, maxRetries: 0, timeout: 200 });
    const started = Date.now();
    const err = await impatient.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIConnectionTimeoutError);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('rejects streaming and invalid bodies with 400 in OpenAI format', async () => {
    const streamErr = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }).catch((e: unknown) => e);
    expect(streamErr).toBeInstanceOf(BadRequestError);
    expect((streamErr as APIError).param).toBe('stream');

    const bad = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer test', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [] }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');

    const notJson = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer test', 'content-type': 'application/json' },
      body: '{oops',
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { message: string } }).error.message).toBeTruthy();
  });

  it('requires a bearer token', async () => {
    const res = await fetch(`${fake.url}/models`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    const keyless = new OpenAI({ apiKey: ' ', baseURL: fake.url, maxRetries: 0 });
    await expect(keyless.models.list()).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('lists models', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toContain('gpt-4o-mini');
  });
});
