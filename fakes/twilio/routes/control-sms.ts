// Control API, part 3: things Twilio's REST API cannot do or that come from outside it: giving an
// account any number (a hosted or ported number), seeding Content templates and playing Meta's
// approval, and setting or clearing opt-out blocks directly.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FakeContext } from '../context.js';
import { ControlError } from '../http.js';
import { addPhoneNumber } from '../number-store.js';
import { countryOf, E164, inventoryNumber } from '../numbers.js';
import { iso } from '../render.js';
import { renderContentAndApprovals, renderIncomingNumber } from '../render-numbers.js';
import { setOptOut } from '../sms.js';
import { createTemplate } from '../templates.js';
import type { ContentTemplateRecord } from '../types.js';
import { parseControl } from './control.js';

const accountParams = z.object({ AccountSid: z.string() });
const sidParams = z.object({ Sid: z.string() });
const e164 = z.string().regex(E164, 'expected +E164');
const approval = z.enum(['unsubmitted', 'received', 'pending', 'approved', 'rejected', 'paused', 'disabled']);
const numberBody = z.object({
  phoneNumber: e164,
  friendlyName: z.string().optional(),
  smsUrl: z.string().url().optional(),
  smsMethod: z.enum(['POST', 'GET']).optional(),
  isoCountry: z.string().length(2).optional(),
  capabilities: z.object({ voice: z.boolean(), sms: z.boolean(), mms: z.boolean(), fax: z.boolean() }).partial().optional(),
});
const templateBody = z.object({
  friendlyName: z.string().min(1),
  language: z.string().min(2).default('en'),
  body: z.string().min(1),
  variables: z.record(z.string(), z.string()).optional(),
  approval: approval.default('approved'),
  category: z.string().optional(),
  rejectionReason: z.string().optional(),
});
const approvalBody = z.object({ status: approval, rejectionReason: z.string().optional() });
const optOutBody = z.object({ number: e164, customer: e164, blocked: z.boolean().default(true) });
const optOutQuery = z.object({ number: z.string().optional(), customer: z.string().optional() });

export function registerControlSmsRoutes(app: FastifyInstance, { state }: FakeContext): void {
  const account = (sid: string) => {
    if (!state.accounts.has(sid)) throw new ControlError(404, 'not_found', `No account ${sid}`);
    return sid;
  };
  const templateView = (t: ContentTemplateRecord) => ({ ...renderContentAndApprovals(t), body: t.body });

  /** Give an account a number without buying it from the inventory (any +E164, e.g. a fixed test number). */
  app.post('/_control/accounts/:AccountSid/phone-numbers', async (req, reply) => {
    const accountSid = account(parseControl(accountParams, req.params).AccountSid);
    const b = parseControl(numberBody, req.body);
    if (state.findPhoneNumber(b.phoneNumber)) throw new ControlError(409, 'number_owned', `${b.phoneNumber} already belongs to an account`);
    const source = inventoryNumber(b.phoneNumber) ?? {
      phoneNumber: b.phoneNumber,
      isoCountry: b.isoCountry ?? countryOf(b.phoneNumber),
      ...(b.capabilities ? { capabilities: b.capabilities } : {}),
    };
    const rec = addPhoneNumber(state, accountSid, source, { friendlyName: b.friendlyName, smsUrl: b.smsUrl, smsMethod: b.smsMethod });
    return reply.code(201).send(renderIncomingNumber(rec));
  });

  app.get('/_control/phone-numbers', async () => ({ phoneNumbers: [...state.phoneNumbers.values()].map(renderIncomingNumber) }));

  /** A Content template as the merchant would build it in the console; approved for WhatsApp unless told. */
  app.post('/_control/accounts/:AccountSid/templates', async (req, reply) => {
    const accountSid = account(parseControl(accountParams, req.params).AccountSid);
    const b = parseControl(templateBody, req.body);
    const t = createTemplate(state, accountSid, b);
    return reply.code(201).send(templateView(t));
  });

  app.get('/_control/templates', async () => ({ templates: [...state.templates.values()].map(templateView) }));

  /** Meta's decision on a template (approve later, reject with a reason, pause...). */
  app.post('/_control/templates/:Sid/approval', async (req) => {
    const { Sid } = parseControl(sidParams, req.params);
    const t = state.templates.get(Sid);
    if (!t) throw new ControlError(404, 'not_found', `No template ${Sid}`);
    const b = parseControl(approvalBody, req.body);
    t.whatsapp = { ...t.whatsapp, status: b.status, rejectionReason: b.rejectionReason ?? (b.status === 'rejected' ? t.whatsapp.rejectionReason : '') };
    t.dateUpdated = state.clock.now();
    return templateView(t);
  });

  /** Set (blocked: true, the default) or clear an opt-out of `customer` from the merchant `number`. */
  app.post('/_control/opt-outs', async (req) => {
    const b = parseControl(optOutBody, req.body);
    const n = state.findPhoneNumber(b.number);
    if (!n) throw new ControlError(404, 'unknown_number', `No account owns the phone number ${b.number}`);
    setOptOut(state, n, b.customer, b.blocked);
    return { number: b.number, customer: b.customer, blocked: b.blocked };
  });

  app.get('/_control/opt-outs', async (req) => {
    const q = parseControl(optOutQuery, req.query);
    const list = [...state.optOuts.values()].filter(
      (o) => (q.number === undefined || o.number === q.number) && (q.customer === undefined || o.customer === q.customer),
    );
    return { optOuts: list.map((o) => ({ ...o, at: iso(o.at) })) };
  });
}
