// content.twilio.com v1: Content templates and their WhatsApp approval. Scoped by the credentials'
// account, like the messaging v1 APIs. Creates take JSON (the SDK sends the body unchanged), so
// both Twilio's wire names (`friendly_name`, `twilio/text`) and the SDK's typed names
// (`friendlyName`, `twilioText`) are accepted.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FakeContext } from '../context.js';
import { notFound, parseParams, principalOf, TwilioApiError, urlPath } from '../http.js';
import { pageMeta, pageRequest } from '../render.js';
import { CONTENT_HOST, renderApprovalFetch, renderContent, renderContentAndApprovals, renderWhatsappApproval } from '../render-numbers.js';
import { createTemplate } from '../templates.js';
import type { ContentTemplateRecord } from '../types.js';

const sidParams = z.object({ Sid: z.string() });
const bodyType = z.object({ body: z.string() }).loose();
const createBody = z.object({
  friendly_name: z.string().optional(),
  friendlyName: z.string().optional(),
  language: z.string(),
  variables: z.record(z.string(), z.string()).optional(),
  types: z.record(z.string(), z.unknown()),
});
const approvalBody = z.object({ name: z.string(), category: z.string() });

export function registerContentRoutes(app: FastifyInstance, { state }: FakeContext): void {
  const find = (accountSid: string, sid: string, path: string): ContentTemplateRecord => {
    const t = state.templates.get(sid);
    if (!t || t.accountSid !== accountSid) throw notFound(path);
    return t;
  };
  const mine = (accountSid: string) => [...state.templates.values()].filter((t) => t.accountSid === accountSid);

  app.post('/v1/Content', async (req, reply) => {
    const p = principalOf(req);
    const b = parseParams(createBody, req.body);
    // Every text-bearing type (twilio/text, quick-reply, card...) has a body; the fake keeps the first.
    const text = Object.values(b.types)
      .map((t) => bodyType.safeParse(t))
      .find((r) => r.success)?.data?.body;
    if (text === undefined) throw new TwilioApiError(400, 20001, 'Invalid parameter: types (no type with a body)');
    const t = createTemplate(state, p.accountSid, {
      friendlyName: b.friendly_name ?? b.friendlyName ?? '',
      language: b.language,
      body: text,
      variables: b.variables,
    });
    return reply.code(201).send(renderContent(t));
  });

  app.get('/v1/Content', async (req) => {
    const p = principalOf(req);
    const all = mine(p.accountSid).map(renderContent);
    return pageMeta(`${CONTENT_HOST}/v1/Content`, 'contents', all, pageRequest(req.query as Record<string, unknown>));
  });

  app.get('/v1/Content/:Sid', async (req) => {
    const p = principalOf(req);
    return renderContent(find(p.accountSid, parseParams(sidParams, req.params).Sid, urlPath(req)));
  });

  app.delete('/v1/Content/:Sid', async (req, reply) => {
    const p = principalOf(req);
    const t = find(p.accountSid, parseParams(sidParams, req.params).Sid, urlPath(req));
    state.templates.delete(t.sid);
    return reply.code(204).send();
  });

  app.get('/v1/Content/:Sid/ApprovalRequests', async (req) => {
    const p = principalOf(req);
    return renderApprovalFetch(find(p.accountSid, parseParams(sidParams, req.params).Sid, urlPath(req)));
  });

  /** Submitting to WhatsApp: the request is `received`; the control API plays Meta's decision. */
  app.post('/v1/Content/:Sid/ApprovalRequests/whatsapp', async (req, reply) => {
    const p = principalOf(req);
    const t = find(p.accountSid, parseParams(sidParams, req.params).Sid, urlPath(req));
    const b = parseParams(approvalBody, req.body);
    t.whatsapp = { name: b.name, category: b.category.toUpperCase(), status: 'received', rejectionReason: '' };
    t.dateUpdated = state.clock.now();
    return reply.code(201).send(renderWhatsappApproval(t));
  });

  app.get('/v1/ContentAndApprovals', async (req) => {
    const p = principalOf(req);
    const all = mine(p.accountSid).map(renderContentAndApprovals);
    return pageMeta(`${CONTENT_HOST}/v1/ContentAndApprovals`, 'contents', all, pageRequest(req.query as Record<string, unknown>));
  });
}
