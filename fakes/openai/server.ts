// A local OpenAI-compatible server for runs and tests without an OPENAI_API_KEY. The official SDK
// talks to it through `baseURL`; replies come from answer.ts (deterministic, catalog-grounded) and
// `/_control/*` lets tests inject the failures the real API produces (5xx, 429, slow responses).
import { createHash } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { answerChat, type FakeChatMessage } from './answer.js';
import { FakeOpenAIControl, type Fault } from './control.js';

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

// Content is a string or (newer SDK style) an array of parts; only text parts matter here.
const contentSchema = z.union([
  z.string(),
  z.array(z.looseObject({ type: z.string(), text: z.string().optional() })),
  z.null(),
]);
const chatBodySchema = z.looseObject({
  model: z.string().min(1),
  messages: z
    .array(z.looseObject({ role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']), content: contentSchema.optional() }))
    .min(1),
  stream: z.boolean().nullish(),
});

const failBodySchema = z.object({
  status: z.number().int().min(400).max(599),
  count: z.number().int().min(1).max(1000).default(1),
  retryAfterSeconds: z.number().min(0).optional(),
});
const hangBodySchema = z.object({ ms: z.number().int().min(0).max(600_000), count: z.number().int().min(1).max(1000).default(1) });
const forceBodySchema = z.object({ content: z.string(), count: z.number().int().min(1).max(1000).default(1) });

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

function textOf(content: z.infer<typeof contentSchema> | undefined): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content.map((p) => (p.type === 'text' && p.text ? p.text : '')).join('\n');
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

    const messages: FakeChatMessage[] = body.messages.map((m) => ({ role: m.role, content: textOf(m.content) }));
    control.record({ model: body.model, messages });

    const fault = control.takeFault();
    if (fault?.kind === 'fail') {
      faultTags.set(req, `fail ${fault.status}`);
      return sendFault(reply, fault);
    }
    if (fault?.kind === 'hang') {
      faultTags.set(req, `hang ${fault.ms}ms`);
      await sleep(fault.ms, closing.signal);
    }

    const content = control.takeForced() ?? answerChat(messages);
    completions++;
    const promptTokens = messages.reduce((n, m) => n + 4 + approxTokens(m.content), 3);
    const completionTokens = approxTokens(content);
    const id = createHash('sha256').update(`${completions}\n${content}`).digest('hex').slice(0, 24);
    return {
      id: `chatcmpl-${id}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
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
    return { queued: control.fail(r.data.status, r.data.count, retryAfterSeconds) };
  });
  app.post('/_control/hang', async (req, reply) => {
    const r = hangBodySchema.safeParse(req.body);
    if (!r.success) return sendError(reply, 400, z.prettifyError(r.error), 'invalid_request_error');
    return { queued: control.hang(r.data.ms, r.data.count) };
  });
  app.post('/_control/force', async (req, reply) => {
    const r = forceBodySchema.safeParse(req.body);
    if (!r.success) return sendError(reply, 400, z.prettifyError(r.error), 'invalid_request_error');
    return { queued: control.force(r.data.content, r.data.count) };
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
