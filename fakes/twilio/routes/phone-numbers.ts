// 2010-04-01 AvailablePhoneNumbers (searching the fake inventory) and IncomingPhoneNumbers (buying,
// configuring and releasing numbers). Numbers belong to the (sub)account in the URL, with the same
// credential rules as every 2010 resource.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FakeContext } from '../context.js';
import { accessibleAccount, formBool, notFound, parseParams, principalOf, TwilioApiError, urlPath } from '../http.js';
import { addPhoneNumber, detachFromServices, ownedNumbers, releasePhoneNumber, updatePhoneNumber, type NumberSettings } from '../number-store.js';
import { E164, inventoryCountries, inventoryFor, inventoryNumber, matchesPattern, numberPattern, type InventoryNumber } from '../numbers.js';
import { page2010, pageRequest } from '../render.js';
import { renderAvailableNumber, renderIncomingNumber } from '../render-numbers.js';
import type { PhoneNumberRecord, PhoneNumberType } from '../types.js';

const accountParams = z.object({ AccountSid: z.string() });
const countryParams = z.object({ AccountSid: z.string(), CountryCode: z.string() });
const searchParams = z.object({ AccountSid: z.string(), CountryCode: z.string(), Type: z.string() });
const numberParams = z.object({ AccountSid: z.string(), Sid: z.string() });
const searchQuery = z.object({
  AreaCode: z.string().optional(),
  Contains: z.string().optional(),
  SmsEnabled: formBool.optional(),
  MmsEnabled: formBool.optional(),
  VoiceEnabled: formBool.optional(),
  InRegion: z.string().optional(),
  InLocality: z.string().optional(),
  InPostalCode: z.string().optional(),
});
const method = z.enum(['GET', 'POST', 'get', 'post']).transform((m) => m.toUpperCase() as 'GET' | 'POST');
const settingsFields = {
  FriendlyName: z.string().max(64).optional(),
  SmsUrl: z.string().optional(),
  SmsMethod: method.optional(),
  SmsFallbackUrl: z.string().optional(),
  SmsFallbackMethod: method.optional(),
  StatusCallback: z.string().optional(),
  StatusCallbackMethod: method.optional(),
  VoiceUrl: z.string().optional(),
  VoiceMethod: method.optional(),
};
const buyBody = z.object({ PhoneNumber: z.string().optional(), AreaCode: z.string().optional(), ...settingsFields });
const updateBody = z.object({ AccountSid: z.string().optional(), ...settingsFields });
const listQuery = z.object({ PhoneNumber: z.string().optional(), FriendlyName: z.string().optional() });

/** The URL segment of each number type, as Twilio names the subresources. */
const TYPES: Record<string, PhoneNumberType> = { Local: 'local', Mobile: 'mobile', TollFree: 'tollFree' };

function settings(b: z.infer<typeof updateBody>): NumberSettings {
  return {
    friendlyName: b.FriendlyName,
    smsUrl: b.SmsUrl,
    smsMethod: b.SmsMethod,
    smsFallbackUrl: b.SmsFallbackUrl,
    smsFallbackMethod: b.SmsFallbackMethod,
    statusCallback: b.StatusCallback,
    statusCallbackMethod: b.StatusCallbackMethod,
    voiceUrl: b.VoiceUrl,
    voiceMethod: b.VoiceMethod,
  };
}

function patternOf(value: string | undefined, name: string): RegExp | null {
  if (value === undefined) return null;
  const re = numberPattern(value);
  if (!re) throw new TwilioApiError(400, 20001, `Invalid parameter: ${name}`);
  return re;
}

export function registerPhoneNumberRoutes(app: FastifyInstance, { state }: FakeContext): void {
  const countryView = (accountSid: string, iso: string, name: string) => {
    const base = `/2010-04-01/Accounts/${accountSid}/AvailablePhoneNumbers/${iso}`;
    const types = new Set((inventoryFor(iso) ?? []).map((n) => n.type));
    const sub: Record<string, string> = {};
    if (types.has('local')) sub['local'] = `${base}/Local.json`;
    if (types.has('mobile')) sub['mobile'] = `${base}/Mobile.json`;
    if (types.has('tollFree')) sub['toll_free'] = `${base}/TollFree.json`;
    return { country_code: iso, country: name, uri: `${base}.json`, beta: false, subresource_uris: sub };
  };

  app.get('/2010-04-01/Accounts/:AccountSid/AvailablePhoneNumbers.json', async (req) => {
    const { AccountSid } = parseParams(accountParams, req.params);
    const acc = accessibleAccount(state, principalOf(req), AccountSid, urlPath(req));
    const all = inventoryCountries().map((c) => countryView(acc.sid, c.isoCountry, c.name));
    return page2010(`/2010-04-01/Accounts/${acc.sid}/AvailablePhoneNumbers.json`, 'countries', all, pageRequest(req.query as Record<string, unknown>));
  });

  app.get('/2010-04-01/Accounts/:AccountSid/AvailablePhoneNumbers/:CountryCode.json', async (req) => {
    const { AccountSid, CountryCode } = parseParams(countryParams, req.params);
    const acc = accessibleAccount(state, principalOf(req), AccountSid, urlPath(req));
    const country = inventoryCountries().find((c) => c.isoCountry === CountryCode.toUpperCase());
    if (!country) throw notFound(urlPath(req));
    return countryView(acc.sid, country.isoCountry, country.name);
  });

  app.get('/2010-04-01/Accounts/:AccountSid/AvailablePhoneNumbers/:CountryCode/:Type.json', async (req) => {
    const { AccountSid, CountryCode, Type } = parseParams(searchParams, req.params);
    const acc = accessibleAccount(state, principalOf(req), AccountSid, urlPath(req));
    const type = TYPES[Type];
    const inventory = inventoryFor(CountryCode);
    if (!type || !inventory) throw notFound(urlPath(req));
    const q = parseParams(searchQuery, req.query);
    const contains = patternOf(q.Contains, 'Contains');
    const owned = ownedNumbers(state);
    const fits = (n: InventoryNumber) =>
      n.type === type &&
      !owned.has(n.phoneNumber) &&
      (q.AreaCode === undefined || n.areaCode === q.AreaCode) &&
      (contains === null || matchesPattern(contains, n.phoneNumber)) &&
      (q.SmsEnabled === undefined || n.capabilities.sms === q.SmsEnabled) &&
      (q.MmsEnabled === undefined || n.capabilities.mms === q.MmsEnabled) &&
      (q.VoiceEnabled === undefined || n.capabilities.voice === q.VoiceEnabled) &&
      (q.InRegion === undefined || n.region === q.InRegion) &&
      (q.InLocality === undefined || n.locality === q.InLocality) &&
      (q.InPostalCode === undefined || n.postalCode === q.InPostalCode);
    const page = pageRequest(req.query as Record<string, unknown>);
    // A search answers one page of matches: Twilio does not page through available numbers.
    const found = inventory.filter(fits).slice(0, page.pageSize).map(renderAvailableNumber);
    const path = `/2010-04-01/Accounts/${acc.sid}/AvailablePhoneNumbers/${CountryCode.toUpperCase()}/${Type}.json`;
    return page2010(path, 'available_phone_numbers', found, { pageSize: page.pageSize, page: 0 });
  });

  app.post('/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers.json', async (req, reply) => {
    const { AccountSid } = parseParams(accountParams, req.params);
    const acc = accessibleAccount(state, principalOf(req), AccountSid, urlPath(req));
    const b = parseParams(buyBody, req.body);
    const owned = ownedNumbers(state);
    let pick: InventoryNumber | undefined;
    if (b.PhoneNumber !== undefined) {
      if (!E164.test(b.PhoneNumber)) throw new TwilioApiError(400, 21421, 'PhoneNumber is invalid');
      pick = inventoryNumber(b.PhoneNumber);
      if (!pick || owned.has(pick.phoneNumber)) {
        throw new TwilioApiError(400, 21422, `PhoneNumber ${b.PhoneNumber} is not available`);
      }
    } else if (b.AreaCode !== undefined) {
      // AreaCode buys the first free local number there (North American area codes, as on Twilio).
      pick = (inventoryFor('US') ?? []).find((n) => n.type === 'local' && n.areaCode === b.AreaCode && !owned.has(n.phoneNumber));
      if (!pick) throw new TwilioApiError(400, 21452, `No phone numbers found in area code ${b.AreaCode}`);
    } else {
      throw new TwilioApiError(400, 20001, 'A PhoneNumber or AreaCode is required');
    }
    const rec = addPhoneNumber(state, acc.sid, pick, settings(b));
    return reply.code(201).send(renderIncomingNumber(rec));
  });

  app.get('/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers.json', async (req) => {
    const { AccountSid } = parseParams(accountParams, req.params);
    const acc = accessibleAccount(state, principalOf(req), AccountSid, urlPath(req));
    const q = parseParams(listQuery, req.query);
    const pattern = patternOf(q.PhoneNumber, 'PhoneNumber');
    const all = [...state.phoneNumbers.values()]
      .filter((n) => n.accountSid === acc.sid)
      .filter((n) => (pattern === null || matchesPattern(pattern, n.phoneNumber)) && (q.FriendlyName === undefined || n.friendlyName === q.FriendlyName))
      .map(renderIncomingNumber);
    const filters: Record<string, string> = {};
    if (q.PhoneNumber !== undefined) filters['PhoneNumber'] = q.PhoneNumber;
    if (q.FriendlyName !== undefined) filters['FriendlyName'] = q.FriendlyName;
    const path = `/2010-04-01/Accounts/${acc.sid}/IncomingPhoneNumbers.json`;
    return page2010(path, 'incoming_phone_numbers', all, pageRequest(req.query as Record<string, unknown>), filters);
  });

  const findNumber = (accountSid: string, sid: string, path: string): PhoneNumberRecord => {
    const n = state.phoneNumbers.get(sid);
    if (!n || n.accountSid !== accountSid) throw notFound(path);
    return n;
  };

  app.get('/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid.json', async (req) => {
    const { AccountSid, Sid } = parseParams(numberParams, req.params);
    const acc = accessibleAccount(state, principalOf(req), AccountSid, urlPath(req));
    return renderIncomingNumber(findNumber(acc.sid, Sid, urlPath(req)));
  });

  app.post('/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid.json', async (req) => {
    const p = principalOf(req);
    const { AccountSid, Sid } = parseParams(numberParams, req.params);
    const acc = accessibleAccount(state, p, AccountSid, urlPath(req));
    const n = findNumber(acc.sid, Sid, urlPath(req));
    const b = parseParams(updateBody, req.body);
    if (b.AccountSid !== undefined && b.AccountSid !== n.accountSid) {
      // Moving a number between a parent and its subaccounts; it leaves the old account's service.
      const target = accessibleAccount(state, p, b.AccountSid, urlPath(req));
      detachFromServices(state, n.sid);
      n.accountSid = target.sid;
    }
    updatePhoneNumber(state, n, settings(b));
    return renderIncomingNumber(n);
  });

  app.delete('/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid.json', async (req, reply) => {
    const { AccountSid, Sid } = parseParams(numberParams, req.params);
    const acc = accessibleAccount(state, principalOf(req), AccountSid, urlPath(req));
    releasePhoneNumber(state, findNumber(acc.sid, Sid, urlPath(req)));
    return reply.code(204).send();
  });
}

