// messaging.twilio.com v1 Services/{MG}/PhoneNumbers: the SMS sender pool of a Messaging Service.
// A number sits in at most one service; attaching needs SMS or MMS capability (21715).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FakeContext } from '../context.js';
import { notFound, parseParams, principalOf, TwilioApiError, urlPath } from '../http.js';
import { MESSAGING_HOST, pageMeta, pageRequest } from '../render.js';
import { renderServiceNumber } from '../render-numbers.js';
import type { ServiceRecord } from '../types.js';

const serviceParams = z.object({ MessagingServiceSid: z.string() });
const numberParams = z.object({ MessagingServiceSid: z.string(), Sid: z.string() });
const attachBody = z.object({ PhoneNumberSid: z.string() });

export function registerServiceNumberRoutes(app: FastifyInstance, { state }: FakeContext): void {
  const findService = (accountSid: string, sid: string, path: string): ServiceRecord => {
    const svc = state.services.get(sid);
    if (!svc || svc.accountSid !== accountSid) throw notFound(path);
    return svc;
  };
  const view = (svc: ServiceRecord, phoneNumberSid: string) => {
    const link = svc.phoneNumbers.find((p) => p.phoneNumberSid === phoneNumberSid);
    const n = state.phoneNumbers.get(phoneNumberSid);
    return link && n ? renderServiceNumber(svc, n, link.dateCreated) : null;
  };

  app.post('/v1/Services/:MessagingServiceSid/PhoneNumbers', async (req, reply) => {
    const p = principalOf(req);
    const { MessagingServiceSid } = parseParams(serviceParams, req.params);
    const svc = findService(p.accountSid, MessagingServiceSid, urlPath(req));
    const { PhoneNumberSid } = parseParams(attachBody, req.body);
    const n = state.phoneNumbers.get(PhoneNumberSid);
    // Twilio documents 21421 for an invalid Phone Number SID given to a Messaging Service.
    if (!n || n.accountSid !== p.accountSid) throw new TwilioApiError(400, 21421, 'Phone Number is invalid');
    if (!n.capabilities.sms && !n.capabilities.mms) {
      throw new TwilioApiError(400, 21715, 'Phone Number Does Not Have Correct Messaging Service Capabilities');
    }
    if (svc.phoneNumbers.some((x) => x.phoneNumberSid === n.sid)) {
      throw new TwilioApiError(409, 21710, 'Phone Number or Short Code is already in the Messaging Service.');
    }
    if (state.serviceForPhoneNumber(n.sid)) {
      throw new TwilioApiError(409, 21712, 'Phone Number or Short Code is associated with another Messaging Service.');
    }
    svc.phoneNumbers.push({ phoneNumberSid: n.sid, dateCreated: state.clock.now() });
    return reply.code(201).send(view(svc, n.sid));
  });

  app.get('/v1/Services/:MessagingServiceSid/PhoneNumbers', async (req) => {
    const p = principalOf(req);
    const { MessagingServiceSid } = parseParams(serviceParams, req.params);
    const svc = findService(p.accountSid, MessagingServiceSid, urlPath(req));
    const all = svc.phoneNumbers.map((x) => view(svc, x.phoneNumberSid)).filter((x) => x !== null);
    return pageMeta(`${MESSAGING_HOST}/v1/Services/${svc.sid}/PhoneNumbers`, 'phone_numbers', all, pageRequest(req.query as Record<string, unknown>));
  });

  app.get('/v1/Services/:MessagingServiceSid/PhoneNumbers/:Sid', async (req) => {
    const p = principalOf(req);
    const { MessagingServiceSid, Sid } = parseParams(numberParams, req.params);
    const body = view(findService(p.accountSid, MessagingServiceSid, urlPath(req)), Sid);
    if (!body) throw notFound(urlPath(req));
    return body;
  });

  app.delete('/v1/Services/:MessagingServiceSid/PhoneNumbers/:Sid', async (req, reply) => {
    const p = principalOf(req);
    const { MessagingServiceSid, Sid } = parseParams(numberParams, req.params);
    const svc = findService(p.accountSid, MessagingServiceSid, urlPath(req));
    if (!svc.phoneNumbers.some((x) => x.phoneNumberSid === Sid)) throw notFound(urlPath(req));
    // Removing a number from the service keeps it on the account.
    svc.phoneNumbers = svc.phoneNumbers.filter((x) => x.phoneNumberSid !== Sid);
    return reply.code(204).send();
  });
}
