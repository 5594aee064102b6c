import OpenAI, { APIConnectionTimeoutError, APIError, AuthenticationError, BadRequestError, InternalServerError, RateLimitError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatCatalogContext } from '../../lib/ai/catalog-context.js';
import {
  answerLanguageLine,
  buildUnderstandingPrompt,
  parseUnderstanding,
  PICTURE_NOTE,
  TURN_UNDERSTANDING_JSON_SCHEMA,
  UNDERSTANDING_FORMAT_NAME,
} from '../../lib/ai/understand.js';
import { NO_MATCH_ANSWER } from './answer.js';
import type { RecordedRequest } from './control.js';
import { REPLIES } from './replies.js';
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

// WARA's two calls per reply, as it makes them through the SDK.
const understandingFormat = {
  type: 'json_schema' as const,
  json_schema: { name: UNDERSTANDING_FORMAT_NAME, strict: true, schema: { ...TURN_UNDERSTANDING_JSON_SCHEMA } },
};

async function understandCall(turn: string, options: { hasImage?: boolean; images?: string[] } = {}) {
  const prompt = buildUnderstandingPrompt({ turn: [turn], catalogSample: ['Leather Backpack', 'Café Mug'], hasImage: options.hasImage ?? false });
  const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = prompt.map((m) =>
    m.role === 'user' && options.images && typeof m.content === 'string'
      ? { role: 'user', content: [{ type: 'text', text: m.content }, ...options.images.map((url) => ({ type: 'image_url' as const, image_url: { url } }))] }
      : m,
  );
  return client.chat.completions.create({ model: 'gpt-4o-mini', messages, response_format: understandingFormat });
}

async function draftCall(language: string, content: OpenAI.Chat.Completions.ChatCompletionUserMessageParam['content']) {
  return client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: `Only use these products:\n${formatCatalogContext([{ sku: 'BP-100', name: 'Leather Backpack', price: '89.00', currency: 'USD', stock: 4 }])}` },
      { role: 'system', content: answerLanguageLine(language) },
      { role: 'user', content },
    ],
  });
}

const JPEG = 'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q==';

describe('turn understanding and drafting through the SDK', () => {
  it('answers a turn_understanding request with JSON the contract parses (create and parse)', async () => {
    const res = await understandCall('Precio de la mochila de cuero?');
    expect(res.choices[0]?.finish_reason).toBe('stop');
    expect(parseUnderstanding(res.choices[0]?.message.content ?? '')).toEqual({ language: 'es', intent: 'question', searchTerms: ['leather backpack'] });

    const parsed = await client.chat.completions.parse({
      model: 'gpt-4o-mini',
      messages: buildUnderstandingPrompt({ turn: ['keine Nachrichten mehr'], catalogSample: [], hasImage: false }),
      response_format: understandingFormat,
    });
    expect(parsed.choices[0]?.message.parsed).toEqual({ language: 'de', intent: 'opt_out', searchTerms: [] });

    const [first, second] = ((await control('requests')) as { requests: RecordedRequest[] }).requests;
    expect(first).toMatchObject({ kind: 'understanding', responseFormat: UNDERSTANDING_FORMAT_NAME, images: 0 });
    expect(second).toMatchObject({ kind: 'understanding' });
  });

  it('keeps the plain answer for any other response_format', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [system, { role: 'user', content: 'mug? reply in JSON' }],
      response_format: { type: 'json_object' },
    });
    expect(res.choices[0]?.message.content).toBe('The Café Mug (SKU MUG-7) costs 8.00 EUR.');
    expect(fake.control.requests()[0]).toMatchObject({ kind: 'draft', responseFormat: 'json_object' });
  });

  it('drafts in the customer language and acknowledges a picture, recording it without its bytes', async () => {
    const spanish = await draftCall('es', 'Precio de la mochila de cuero?');
    expect(spanish.choices[0]?.message.content).toBe('Leather Backpack (SKU BP-100) cuesta 89.00 USD. Está disponible.');

    const withPicture = await draftCall('pt', [
      { type: 'text', text: `${PICTURE_NOTE}\nquanto custa esta mochila?` },
      { type: 'image_url', image_url: { url: JPEG, detail: 'low' } },
    ]);
    expect(withPicture.choices[0]?.message.content).toBe(`${REPLIES.pt.picture}\nLeather Backpack (SKU BP-100) custa 89.00 USD. Está disponível em estoque.`);

    const remote = await draftCall('de', [{ type: 'image_url', image_url: { url: 'https://shop.example/p/123.jpg' } }]);
    expect(remote.choices[0]?.message.content).toBe(REPLIES.de.picture);
    // Images are billed (a fixed stand-in) on top of the text.
    expect(remote.usage!.prompt_tokens).toBeGreaterThan(85);

    const { requests } = (await control('requests')) as { requests: RecordedRequest[] };
    expect(requests.map((r) => [r.kind, r.images])).toEqual([['draft', 0], ['draft', 1], ['draft', 1]]);
    expect(requests[1]?.messages[2]).toEqual({ role: 'user', content: `${PICTURE_NOTE}\nquanto custa esta mochila?`, images: 1 });
    expect(JSON.stringify(requests)).not.toContain('base64');
  });

  it('sees a picture in the understanding call too', async () => {
    const res = await understandCall('', { hasImage: true, images: [JPEG] });
    expect(parseUnderstanding(res.choices[0]?.message.content ?? '')).toEqual({ language: 'en', intent: 'question', searchTerms: [] });
    expect(fake.control.requests()[0]).toMatchObject({ kind: 'understanding', images: 1 });
  });

  it('rejects what the real API rejects: bad image URLs, images outside user messages, non-strict schemas', async () => {
    const bad = async (body: object) => {
      const err = await client.chat.completions.create({ model: 'gpt-4o-mini', ...body } as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BadRequestError);
      return err as APIError;
    };
    const image = (url: string) => ({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }] });
    expect((await bad(image('not a url'))).code).toBe('invalid_image_url');
    expect((await bad(image('data:text/plain;base64,aGVsbG8='))).code).toBe('invalid_image_format');
    const onAssistant = await bad({ messages: [{ role: 'assistant', content: [{ type: 'image_url', image_url: { url: JPEG } }] }, { role: 'user', content: 'hi' }] });
    expect(onAssistant.message).toContain("Image URLs are only allowed for messages with role 'user'");

    const loose = await bad({
      messages: [{ role: 'user', content: 'hi' }],
      response_format: { type: 'json_schema', json_schema: { name: UNDERSTANDING_FORMAT_NAME, strict: true, schema: { type: 'object', properties: { language: { type: 'string' } } } } },
    });
    expect(loose.param).toBe('response_format');
    expect(loose.message).toBe(`400 Invalid schema for response_format '${UNDERSTANDING_FORMAT_NAME}': In context=(), 'additionalProperties' is required to be supplied and to be false.`);
    const partial = await bad({
      messages: [{ role: 'user', content: 'hi' }],
      response_format: { type: 'json_schema', json_schema: { name: 'x', strict: true, schema: { ...TURN_UNDERSTANDING_JSON_SCHEMA, required: ['language'] } } },
    });
    expect(partial.message).toContain("'required' is required to be supplied and to be an array including every key in properties. Missing 'intent'.");
    // Rejected requests are not recorded and consume no fault.
    expect(fake.control.requests()).toHaveLength(0);
  });
});

describe('control targets one kind of call', () => {
  it('forces the understanding answer only', async () => {
    await control('force', { content: 'not json', kind: 'understanding' });
    expect((await draftCall('es', 'mochila?')).choices[0]?.message.content).toContain('BP-100');
    const forced = await understandCall('mochila?');
    expect(forced.choices[0]?.message.content).toBe('not json');
    expect(parseUnderstanding((await understandCall('mochila?')).choices[0]?.message.content ?? '')).not.toBeNull();
  });

  it('fails the draft only, while the understanding call succeeds', async () => {
    await control('fail', { status: 500, kind: 'draft' });
    expect((await understandCall('hola')).choices[0]?.message.content).toContain('"greeting"');
    await expect(draftCall('es', 'mochila?')).rejects.toBeInstanceOf(InternalServerError);
    expect((await draftCall('es', 'mochila?')).choices[0]?.message.content).toContain('BP-100');
  });

  it('fails the understanding call only, in-process too, and leaves "any" entries for whichever call comes first', async () => {
    fake.control.fail(429, 1, 0, 'understanding');
    fake.control.force('forced draft', 1, 'draft');
    fake.control.force('forced any', 1);
    expect((await draftCall('es', 'mochila?')).choices[0]?.message.content).toBe('forced draft');
    await expect(understandCall('hola')).rejects.toBeInstanceOf(RateLimitError);
    expect((await understandCall('hola')).choices[0]?.message.content).toBe('forced any');
    expect(fake.control.requests().map((r) => r.kind)).toEqual(['draft', 'understanding', 'understanding']);
  });

  it('rejects an unknown kind', async () => {
    const res = await fetch(`${fake.url.replace(/\/v1$/, '')}/_control/force`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'x', kind: 'embedding' }),
    });
    expect(res.status).toBe(400);
  });
});
