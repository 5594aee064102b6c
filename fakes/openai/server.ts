// A local OpenAI-compatible server for runs and tests without an OPENAI_API_KEY. The official SDK
// talks to it through `baseURL`; a `turn_understanding` structured-output request is answered by
// understand.ts, every other completion by answer.ts (deterministic, catalog-grounded, in the customer's
// language), and `/_control/*` lets tests inject the failures the real API produces (5xx, 429, slow responses).
import { createHash } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { UNDERSTANDING_FORMAT_NAME } from '../../lib/ai/understand.js';
import { unwrapCustomerMessage } from '../../lib/ai/prompt.js';
import { answerChat, type FakeChatMessage } from './answer.js';
import { CALL_TARGETS, FakeOpenAIControl, type CallKind, type Fault } from './control.js';
import { understandingAnswer } from './understand.js';
import { inventDurations } from './policy.js';

export interface FakeOpenAIOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** One line per request (method, path, status, duration, injected fault); never bodies. */
  log?: (line: string) => void;
}

export interface FakeOpenAI {
  /** Base URL including `/v1`, ready for `new OpenAI({ baseURL })`. */
  url: string;
  port: number;
  /** Same operations as the HTTP control API, for tests running in the same process. */
  control: FakeOpenAIControl;
  close(): Promise<void>;
}

export const FAKE_MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'gpt-4.1-nano'] as const;

// Content is a string or an array of parts: `{type:'text', text}` and `{type:'image_url', image_url:{url,
// detail?}}` (the wire format the SDK sends); other part types are accepted and ignored.
const partSchema = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  image_url: z.looseObject({ url: z.string(), detail: z.string().optional() }).optional(),
});
const contentSchema = z.union([z.string(), z.array(partSchema), z.null()]);
type Content = z.infer<typeof contentSchema>;
const responseFormatSchema = z.looseObject({
  type: z.string(),
  json_schema: z
    .looseObject({ name: z.string().optional(), strict: z.boolean().nullish(), schema: z.record(z.string(), z.unknown()).optional() })
    .optional(),
});
const chatBodySchema = z.looseObject({
  model: z.string().min(1),
  messages: z
    .array(z.looseObject({ role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']), content: contentSchema.optional() }))
    .min(1),
  stream: z.boolean().nullish(),
  response_format: responseFormatSchema.nullish(),
});

const countSchema = z.number().int().min(1).max(1000).default(1);
const kindSchema = z.enum(CALL_TARGETS).default('any');
const failBodySchema = z.object({
  status: z.number().int().min(400).max(599),
  count: countSchema,
  retryAfterSeconds: z.number().min(0).optional(),
  kind: kindSchema,
});
const hangBodySchema = z.object({ ms: z.number().int().min(0).max(600_000), count: countSchema, kind: kindSchema });
const forceBodySchema = z.object({ content: z.string(), count: countSchema, kind: kindSchema });

const IMAGE_DETAILS = ['auto', 'low', 'high', 'original'];
/** Tokens billed per image: the real API's low-detail base cost; a stand-in, but stable. */
const IMAGE_TOKENS = 85;

interface RequestProblem {
  message: string;
  param: string;
  code: string | null;
}

type ErrorType = 'invalid_request_error' | 'requests' | 'server_error' | 'authentication_error';

/** OpenAI's error envelope, which the SDK turns into the matching APIError subclass. */
function sendError(reply: FastifyReply, status: number, message: string, type: ErrorType, code: string | null = null, param: string | null = null) {
  return reply.code(status).send({ error: { message, type, param, code } });
}

function sendFault(reply: FastifyReply, fault: Extract<Fault, { kind: 'fail' }>) {
  if (fault.retryAfterSeconds !== undefined) reply.header('retry-after', String(fault.retryAfterSeconds));
  if (fault.status === 429) return sendError(reply, 429, 'Rate limit reached for requests (injected by the fake).', 'requests', 'rate_limit_exceeded');
  if (fault.status === 503) return sendError(reply, 503, 'The engine is currently overloaded, please try again later.', 'server_error');
  if (fault.status >= 500) return sendError(reply, fault.status, 'The server had an error while processing your request.', 'server_error');
  return sendError(reply, fault.status, `Injected error ${fault.status}.`, 'invalid_request_error');
}

function textOf(content: Content | undefined): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content
    .filter((p) => p.type === 'text' && typeof p.text === 'string')
    .map((p) => p.text)
    .join('\n');
}

function imagesOf(content: Content | undefined): number {
  return Array.isArray(content) ? content.filter((p) => p.type === 'image_url').length : 0;
}

/** A chat message as the fake reads it: its text parts joined, its images counted (never kept). */
export function fakeMessage(m: { role: string; content?: Content | undefined }): FakeChatMessage {
  const images = imagesOf(m.content);
  // Customer text arrives wrapped (lib/ai/prompt.ts): the stand-in reads what the customer wrote.
  const text = m.role === 'user' ? unwrapCustomerMessage(textOf(m.content)) : textOf(m.content);
  return images > 0 ? { role: m.role, content: text, images } : { role: m.role, content: text };
}

/** The checks the real API makes on image parts: user messages only, a real URL or an image data URL, a known detail. */
function imageProblem(messages: z.infer<typeof chatBodySchema>['messages']): RequestProblem | undefined {
  for (const [i, m] of messages.entries()) {
    if (!Array.isArray(m.content)) continue;
    for (const [j, part] of m.content.entries()) {
      if (part.type === 'text' && typeof part.text !== 'string') {
        return { message: `Missing required parameter: 'messages[${i}].content[${j}].text'.`, param: `messages[${i}].content[${j}].text`, code: 'missing_required_parameter' };
      }
      if (part.type !== 'image_url') continue;
      if (m.role !== 'user') {
        return { message: `Invalid 'messages[${i}]'. Image URLs are only allowed for messages with role 'user', but this message with role '${m.role}' contains an image URL.`, param: `messages[${i}]`, code: null };
      }
      const param = `messages[${i}].content[${j}].image_url`;
      if (!part.image_url) return { message: `Missing required parameter: '${param}'.`, param, code: 'missing_required_parameter' };
      const { url, detail } = part.image_url;
      if (detail !== undefined && !IMAGE_DETAILS.includes(detail)) {
        return { message: `Invalid value: '${detail}'. Supported values are: 'auto', 'low', 'high' and 'original'.`, param: `${param}.detail`, code: 'invalid_value' };
      }
      if (url.startsWith('data:')) {
        if (!/^data:image\/(png|jpeg|jpg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}$/.test(url)) {
          return { message: "You uploaded an unsupported image. Please make sure your image has of one the following formats: ['png', 'jpeg', 'gif', 'webp'].", param: `${param}.url`, code: 'invalid_image_format' };
        }
      } else if (!/^https?:\/\/[^\s/]+\S*$/i.test(url)) {
        return { message: `Invalid image URL: '${param}.url'. Expected a valid URL, or a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU=').`, param: `${param}.url`, code: 'invalid_image_url' };
      }
    }
  }
  return undefined;
}

/** The response_format checks the real API makes: a known type, a json_schema name, and strict-mode schema rules. */
function responseFormatProblem(format: z.infer<typeof responseFormatSchema> | null | undefined): RequestProblem | undefined {
  if (!format) return undefined;
  if (!['text', 'json_object', 'json_schema'].includes(format.type)) {
    return { message: `Invalid value: '${format.type}'. Supported values are: 'text', 'json_object', and 'json_schema'.`, param: 'response_format.type', code: 'invalid_value' };
  }
  if (format.type !== 'json_schema') return undefined;
  const js = format.json_schema;
  if (!js) return { message: "Missing required parameter: 'response_format.json_schema'.", param: 'response_format.json_schema', code: 'missing_required_parameter' };
  if (typeof js.name !== 'string') return { message: "Missing required parameter: 'response_format.json_schema.name'.", param: 'response_format.json_schema.name', code: 'missing_required_parameter' };
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(js.name)) {
    return { message: `Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`, param: 'response_format.json_schema.name', code: 'invalid_value' };
  }
  if (js.strict && js.schema) {
    const issue = strictSchemaIssue(js.schema, []);
    if (issue) return { message: `Invalid schema for response_format '${js.name}': ${issue}`, param: 'response_format', code: null };
  }
  return undefined;
}

/** Structured Outputs' strict mode: every object lists all its properties as required and allows no others. */
function strictSchemaIssue(schema: unknown, path: string[]): string | undefined {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return undefined;
  const node = schema as Record<string, unknown>;
  const context = `In context=(${path.map((p) => `'${p}'`).join(', ')}${path.length === 1 ? ',' : ''})`;
  const isObject = node.type === 'object' || (Array.isArray(node.type) && node.type.includes('object')) || 'properties' in node;
  if (isObject) {
    if (node.additionalProperties !== false) return `${context}, 'additionalProperties' is required to be supplied and to be false.`;
    const props = node.properties && typeof node.properties === 'object' ? Object.keys(node.properties) : [];
    const required = Array.isArray(node.required) ? node.required : [];
    const missing = props.find((k) => !required.includes(k));
    if (missing !== undefined) return `${context}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing}'.`;
    for (const k of props) {
      const issue = strictSchemaIssue((node.properties as Record<string, unknown>)[k], [...path, 'properties', k]);
      if (issue) return issue;
    }
  }
  if (node.items) {
    const issue = strictSchemaIssue(node.items, [...path, 'items']);
    if (issue) return issue;
  }
  for (const key of ['anyOf', '$defs', 'definitions'] as const) {
    const sub = node[key];
    const entries: [string, unknown][] = Array.isArray(sub) ? sub.map((v, i) => [String(i), v]) : sub && typeof sub === 'object' ? Object.entries(sub) : [];
    for (const [k, v] of entries) {
      const issue = strictSchemaIssue(v, [...path, key, k]);
      if (issue) return issue;
    }
  }
  return undefined;
}

function callKind(format: z.infer<typeof responseFormatSchema> | null | undefined): CallKind {
  return format?.type === 'json_schema' && format.json_schema?.name === UNDERSTANDING_FORMAT_NAME ? 'understanding' : 'draft';
}

/** ~4 characters per token, like OpenAI's rule of thumb; exact counts don't matter, stability does. */
function approxTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const control = new FakeOpenAIControl();
  // Aborted on close so requests parked in a hang let the server shut down at once.
  const closing = new AbortController();
  const faultTags = new WeakMap<FastifyRequest, string>();
  let completions = 0;

  // forceCloseConnections: the SDK keeps connections alive; close() must not wait for them.
  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024, forceCloseConnections: true });

  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/v1/')) return;
    if (!/^Bearer\s+\S+/i.test(req.headers.authorization ?? '')) {
      return sendError(reply, 401, "You didn't provide an API key. Provide it in an Authorization header using Bearer auth (Authorization: Bearer YOUR_KEY).", 'invalid_request_error');
    }
  });
  if (options.log) {
    const log = options.log;
    app.addHook('onResponse', async (req, reply) => {
      const tag = faultTags.get(req);
      log(`${req.method} ${req.url} ${reply.statusCode} ${Math.round(reply.elapsedTime)}ms${tag ? ` [${tag}]` : ''}`);
    });
  }
  // Framework errors (bad JSON, wrong content type, body too large) in OpenAI's envelope too.
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    return sendError(reply, status, err.message, status < 500 ? 'invalid_request_error' : 'server_error');
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, `Invalid URL (${req.method} ${req.url})`, 'invalid_request_error'));

  app.get('/v1/models', async () => ({
    object: 'list',
    data: FAKE_MODELS.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'wara-fake' })),
  }));

  app.post('/v1/chat/completions', async (req, reply) => {
    const parsed = chatBodySchema.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return sendError(reply, 400, `Invalid request body: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`, 'invalid_request_error', null, issue?.path.join('.') || null);
    }
    const body = parsed.data;
    if (body.stream) return sendError(reply, 400, 'Streaming is not supported by the fake OpenAI server.', 'invalid_request_error', 'unsupported_value', 'stream');
    const problem = imageProblem(body.messages) ?? responseFormatProblem(body.response_format);
    if (problem) return sendError(reply, 400, problem.message, 'invalid_request_error', problem.code, problem.param);

    const kind = callKind(body.response_format);
    const messages = body.messages.map(fakeMessage);
    const images = messages.reduce((n, m) => n + (m.images ?? 0), 0);
    const format = body.response_format ? (body.response_format.json_schema?.name ?? body.response_format.type) : undefined;
    control.record({ model: body.model, kind, images, ...(format ? { responseFormat: format } : {}), messages });
    faultTags.set(req, kind);

    const fault = control.takeFault(kind);
    if (fault?.kind === 'fail') {
      faultTags.set(req, `${kind}, fail ${fault.status}`);
      return sendFault(reply, fault);
    }
    if (fault?.kind === 'hang') {
      faultTags.set(req, `${kind}, hang ${fault.ms}ms`);
      await sleep(fault.ms, closing.signal);
    }

    const forced = control.takeForced(kind);
    let content = forced ?? (kind === 'understanding' ? understandingAnswer(messages) : answerChat(messages));
    if (forced === undefined && kind === 'draft' && control.takeInvention()) content = inventDurations(content);
    completions++;
    const promptTokens = messages.reduce((n, m) => n + 4 + approxTokens(m.content) + IMAGE_TOKENS * (m.images ?? 0), 3);
    const completionTokens = approxTokens(content);
    const id = createHash('sha256').update(`${completions}\n${content}`).digest('hex').slice(0, 24);
    return {
      id: `chatcmpl-${id}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content, refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      system_fingerprint: 'fp_wara_fake',
    };
  });

  app.post('/_control/reset', async () => {
    control.reset();
    return { ok: true };
  });
  app.post('/_control/fail', async (req, reply) => {
    const r = failBodySchema.safeParse(req.body);
    if (!r.success) return sendError(reply, 400, z.prettifyError(r.error), 'invalid_request_error');
    // 429s carry retry-after like the real API unless the test chose a value.
    const retryAfterSeconds = r.data.retryAfterSeconds ?? (r.data.status === 429 ? 1 : undefined);
    return { queued: control.fail(r.data.status, r.data.count, retryAfterSeconds, r.data.kind) };
  });
  app.post('/_control/hang', async (req, reply) => {
    const r = hangBodySchema.safeParse(req.body);
    if (!r.success) return sendError(reply, 400, z.prettifyError(r.error), 'invalid_request_error');
    return { queued: control.hang(r.data.ms, r.data.count, r.data.kind) };
  });
  app.post('/_control/force', async (req, reply) => {
    const r = forceBodySchema.safeParse(req.body);
    if (!r.success) return sendError(reply, 400, z.prettifyError(r.error), 'invalid_request_error');
    return { queued: control.force(r.data.content, r.data.count, r.data.kind) };
  });
  app.post('/_control/invent', async (req, reply) => {
    const r = z.object({ count: countSchema }).safeParse(req.body ?? {});
    if (!r.success) return sendError(reply, 400, z.prettifyError(r.error), 'invalid_request_error');
    return { queued: control.inventDeliveryTimes(r.data.count) };
  });
  app.get('/_control/requests', async () => ({ requests: control.requests() }));

  const address = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port; // listen() resolved, so it is an AddressInfo
  return {
    url: `${address}/v1`,
    port,
    control,
    async close() {
      closing.abort();
      await app.close();
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
