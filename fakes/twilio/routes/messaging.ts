// messaging.twilio.com: v2 Channels/Senders (WhatsApp senders, read-only here: real ones come from
// Meta's embedded signup, the fake's come from the control API) and v1 Services + ChannelSenders.
// These APIs are scoped by the credentials: the account is the one the SID/key authenticates.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FakeContext } from '../context.js';
import { formBool, notFound, parseParams, principalOf, TwilioApiError, urlPath } from '../http.js';
import { MESSAGING_HOST, pageMeta, pageRequest, renderChannelSender, renderSender, renderService } from '../render.js';
import { newSid } from '../state.js';
import type { ServiceRecord } from '../types.js';

const sidParams = z.object({ Sid: z.string() });
const serviceParams = z.object({ MessagingServiceSid: z.string() });
const channelSenderParams = z.object({ MessagingServiceSid: z.string(), Sid: z.string() });
const listSendersQuery = z.object({ Channel: z.string() });
const method = z.enum(['GET', 'POST', 'get', 'post']).transform((m) => m.toUpperCase() as 'GET' | 'POST');
const serviceFields = {
  InboundRequestUrl: z.string().optional(),
  InboundMethod: method.optional(),
  FallbackUrl: z.string().optional(),
  FallbackMethod: method.optional(),
  StatusCallback: z.string().optional(),
  StickySender: formBool.optional(),
  UseInboundWebhookOnNumber: formBool.optional(),
  ValidityPeriod: z.coerce.number().int().min(1).max(36000).optional(),
  Usecase: z.string().optional(),
};
const createServiceBody = z.object({ FriendlyName: z.string().max(64), ...serviceFields });
const updateServiceBody = z.object({ FriendlyName: z.string().max(64).optional(), ...serviceFields });
const attachBody = z.object({ Sid: z.string() });

/** An empty string clears an optional URL, as in Twilio's update semantics. */
const urlOrNull = (v: string | undefined, prev: string | null): string | null => (v === undefined ? prev : v === '' ? null : v);

export function registerMessagingRoutes(app: FastifyInstance, { state }: FakeContext): void {
  app.get('/v2/Channels/Senders', async (req) => {
    const p = principalOf(req);
    const q = parseParams(listSendersQuery, req.query);
    const all = [...state.senders.values()]
      .filter((s) => s.accountSid === p.accountSid && q.Channel.toLowerCase() === 'whatsapp')
      .map((s) => renderSender(state, s));
    return pageMeta(`${MESSAGING_HOST}/v2/Channels/Senders`, 'senders', all, pageRequest(req.query as Record<string, unknown>), {
      Channel: q.Channel,
    });
  });

  app.get('/v2/Channels/Senders/:Sid', async (req) => {
    const p = principalOf(req);
    const { Sid } = parseParams(sidParams, req.params);
    const s = state.senders.get(Sid);
    if (!s || s.accountSid !== p.accountSid) throw notFound(urlPath(req));
    return renderSender(state, s);
  });

  const findService = (accountSid: string, sid: string, path: string): ServiceRecord => {
    const svc = state.services.get(sid);
    if (!svc || svc.accountSid !== accountSid) throw notFound(path);
    return svc;
  };

  app.post('/v1/Services', async (req, reply) => {
    const p = principalOf(req);
    const b = parseParams(createServiceBody, req.body);
    const t = state.clock.now();
    const svc: ServiceRecord = {
      sid: newSid('MG'),
      accountSid: p.accountSid,
      friendlyName: b.FriendlyName,
      inboundRequestUrl: b.InboundRequestUrl || null,
      inboundMethod: b.InboundMethod ?? 'POST',
      fallbackUrl: b.FallbackUrl || null,
      fallbackMethod: b.FallbackMethod ?? 'POST',
      statusCallback: b.StatusCallback || null,
      stickySender: b.StickySender ?? true,
      useInboundWebhookOnNumber: b.UseInboundWebhookOnNumber ?? false,
      validityPeriod: b.ValidityPeriod ?? 36000,
      usecase: b.Usecase ?? 'undeclared',
      channelSenders: [],
      phoneNumbers: [],
      dateCreated: t,
      dateUpdated: t,
    };
    state.services.set(svc.sid, svc);
    return reply.code(201).send(renderService(svc));
  });

  app.get('/v1/Services', async (req) => {
    const p = principalOf(req);
    const all = [...state.services.values()].filter((s) => s.accountSid === p.accountSid).map(renderService);
    return pageMeta(`${MESSAGING_HOST}/v1/Services`, 'services', all, pageRequest(req.query as Record<string, unknown>));
  });

  app.get('/v1/Services/:Sid', async (req) => {
    const p = principalOf(req);
    const { Sid } = parseParams(sidParams, req.params);
    return renderService(findService(p.accountSid, Sid, urlPath(req)));
  });

  app.post('/v1/Services/:Sid', async (req) => {
    const p = principalOf(req);
    const { Sid } = parseParams(sidParams, req.params);
    const svc = findService(p.accountSid, Sid, urlPath(req));
    const b = parseParams(updateServiceBody, req.body);
    if (b.FriendlyName !== undefined) svc.friendlyName = b.FriendlyName;
    svc.inboundRequestUrl = urlOrNull(b.InboundRequestUrl, svc.inboundRequestUrl);
    svc.fallbackUrl = urlOrNull(b.FallbackUrl, svc.fallbackUrl);
    svc.statusCallback = urlOrNull(b.StatusCallback, svc.statusCallback);
    if (b.InboundMethod) svc.inboundMethod = b.InboundMethod;
    if (b.FallbackMethod) svc.fallbackMethod = b.FallbackMethod;
    if (b.StickySender !== undefined) svc.stickySender = b.StickySender;
    if (b.UseInboundWebhookOnNumber !== undefined) svc.useInboundWebhookOnNumber = b.UseInboundWebhookOnNumber;
    if (b.ValidityPeriod !== undefined) svc.validityPeriod = b.ValidityPeriod;
    if (b.Usecase !== undefined) svc.usecase = b.Usecase;
    svc.dateUpdated = state.clock.now();
    return renderService(svc);
  });

  app.delete('/v1/Services/:Sid', async (req, reply) => {
    const p = principalOf(req);
    const { Sid } = parseParams(sidParams, req.params);
    findService(p.accountSid, Sid, urlPath(req));
    state.services.delete(Sid);
    return reply.code(204).send();
  });

  // ChannelSenders: how a WhatsApp sender (XE...) joins a Messaging Service.
  app.post('/v1/Services/:MessagingServiceSid/ChannelSenders', async (req, reply) => {
    const p = principalOf(req);
    const { MessagingServiceSid } = parseParams(serviceParams, req.params);
    const svc = findService(p.accountSid, MessagingServiceSid, urlPath(req));
    const { Sid } = parseParams(attachBody, req.body);
    const sender = state.senders.get(Sid);
    if (!sender || sender.accountSid !== p.accountSid) {
      throw new TwilioApiError(404, 20404, `The requested resource ${Sid} was not found`);
    }
    if (svc.channelSenders.some((c) => c.senderSid === Sid)) {
      throw new TwilioApiError(409, 21710, 'Phone Number or Short Code is already in the Messaging Service.');
    }
    const other = state.serviceForSender(Sid);
    if (other) {
      throw new TwilioApiError(409, 21712, 'Phone Number or Short Code is associated with another Messaging Service.');
    }
    svc.channelSenders.push({ senderSid: Sid, dateCreated: state.clock.now() });
    return reply.code(201).send(renderChannelSender(state, svc, Sid));
  });

  app.get('/v1/Services/:MessagingServiceSid/ChannelSenders', async (req) => {
    const p = principalOf(req);
    const { MessagingServiceSid } = parseParams(serviceParams, req.params);
    const svc = findService(p.accountSid, MessagingServiceSid, urlPath(req));
    const all = svc.channelSenders.map((c) => renderChannelSender(state, svc, c.senderSid)).filter((x) => x !== null);
    const base = `${MESSAGING_HOST}/v1/Services/${svc.sid}/ChannelSenders`;
    return pageMeta(base, 'senders', all, pageRequest(req.query as Record<string, unknown>));
  });

  app.get('/v1/Services/:MessagingServiceSid/ChannelSenders/:Sid', async (req) => {
    const p = principalOf(req);
    const { MessagingServiceSid, Sid } = parseParams(channelSenderParams, req.params);
    const svc = findService(p.accountSid, MessagingServiceSid, urlPath(req));
    const body = renderChannelSender(state, svc, Sid);
    if (!body) throw notFound(urlPath(req));
    return body;
  });

  app.delete('/v1/Services/:MessagingServiceSid/ChannelSenders/:Sid', async (req, reply) => {
    const p = principalOf(req);
    const { MessagingServiceSid, Sid } = parseParams(channelSenderParams, req.params);
    const svc = findService(p.accountSid, MessagingServiceSid, urlPath(req));
    if (!svc.channelSenders.some((c) => c.senderSid === Sid)) throw notFound(urlPath(req));
    svc.channelSenders = svc.channelSenders.filter((c) => c.senderSid !== Sid);
    return reply.code(204).send();
  });
}
