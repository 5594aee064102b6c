// 2010-04-01 Accounts and Keys: subaccounts (with their auth token) and Standard API keys.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FakeContext } from '../context.js';
import {
  accessibleAccount,
  notFound,
  parseParams,
  principalOf,
  requireAccountCredentials,
  TwilioApiError,
  urlPath,
} from '../http.js';
import { page2010, pageRequest, renderAccount, renderKey } from '../render.js';

const accountParams = z.object({ AccountSid: z.string() });
const keyParams = z.object({ AccountSid: z.string(), Sid: z.string() });
const createAccountBody = z.object({ FriendlyName: z.string().max(64).optional() });
const listAccountsQuery = z.object({
  FriendlyName: z.string().optional(),
  Status: z.enum(['active', 'suspended', 'closed']).optional(),
});
const updateAccountBody = z.object({
  FriendlyName: z.string().max(64).optional(),
  Status: z.enum(['active', 'suspended', 'closed']).optional(),
});
const keyBody = z.object({ FriendlyName: z.string().max(64).optional() });

export function registerAccountRoutes(app: FastifyInstance, { state }: FakeContext): void {
  app.post('/2010-04-01/Accounts.json', async (req, reply) => {
    const p = principalOf(req);
    requireAccountCredentials(p);
    // Subaccounts cannot create subaccounts of their own.
    if (p.accountSid !== state.masterAccountSid) throw new TwilioApiError(401, 20003, 'Authenticate');
    const body = parseParams(createAccountBody, req.body);
    const acc = state.createSubaccount(body.FriendlyName, p.accountSid);
    return reply.code(201).send(renderAccount(acc));
  });

  app.get('/2010-04-01/Accounts.json', async (req) => {
    const p = principalOf(req);
    requireAccountCredentials(p);
    const q = parseParams(listAccountsQuery, req.query);
    // The list holds the caller's own account plus the subaccounts it owns.
    const all = [...state.accounts.values()]
      .filter((a) => a.sid === p.accountSid || a.ownerAccountSid === p.accountSid)
      .filter((a) => q.FriendlyName === undefined || a.friendlyName === q.FriendlyName)
      .filter((a) => q.Status === undefined || a.status === q.Status)
      .map(renderAccount);
    const filters: Record<string, string> = {};
    if (q.FriendlyName !== undefined) filters['FriendlyName'] = q.FriendlyName;
    if (q.Status !== undefined) filters['Status'] = q.Status;
    return page2010('/2010-04-01/Accounts.json', 'accounts', all, pageRequest(req.query as Record<string, unknown>), filters);
  });

  app.get('/2010-04-01/Accounts/:AccountSid.json', async (req) => {
    const p = principalOf(req);
    requireAccountCredentials(p);
    const { AccountSid } = parseParams(accountParams, req.params);
    return renderAccount(accessibleAccount(state, p, AccountSid, urlPath(req)));
  });

  app.post('/2010-04-01/Accounts/:AccountSid.json', async (req) => {
    const p = principalOf(req);
    requireAccountCredentials(p);
    const { AccountSid } = parseParams(accountParams, req.params);
    const acc = accessibleAccount(state, p, AccountSid, urlPath(req));
    const body = parseParams(updateAccountBody, req.body);
    if (body.Status && acc.isMaster) throw new TwilioApiError(400, 20001, 'Cannot change the status of the master account');
    // A closed account stays closed.
    if (body.Status && acc.status === 'closed' && body.Status !== 'closed') {
      throw new TwilioApiError(400, 20001, 'A closed account cannot be reopened');
    }
    if (body.FriendlyName !== undefined) acc.friendlyName = body.FriendlyName;
    if (body.Status !== undefined) acc.status = body.Status;
    acc.dateUpdated = state.clock.now();
    return renderAccount(acc);
  });

  // Keys: the create response is the only place the secret ever appears.
  app.post('/2010-04-01/Accounts/:AccountSid/Keys.json', async (req, reply) => {
    const p = principalOf(req);
    requireAccountCredentials(p);
    const { AccountSid } = parseParams(accountParams, req.params);
    const acc = accessibleAccount(state, p, AccountSid, urlPath(req));
    const body = parseParams(keyBody, req.body);
    return reply.code(201).send(renderKey(state.createKey(acc.sid, body.FriendlyName), true));
  });

  app.get('/2010-04-01/Accounts/:AccountSid/Keys.json', async (req) => {
    const p = principalOf(req);
    requireAccountCredentials(p);
    const { AccountSid } = parseParams(accountParams, req.params);
    const acc = accessibleAccount(state, p, AccountSid, urlPath(req));
    const all = [...state.keys.values()].filter((k) => k.accountSid === acc.sid).map((k) => renderKey(k, false));
    return page2010(`/2010-04-01/Accounts/${acc.sid}/Keys.json`, 'keys', all, pageRequest(req.query as Record<string, unknown>));
  });

  const findKey = (accountSid: string, sid: string, path: string) => {
    const key = state.keys.get(sid);
    if (!key || key.accountSid !== accountSid) throw notFound(path);
    return key;
  };

  app.get('/2010-04-01/Accounts/:AccountSid/Keys/:Sid.json', async (req) => {
    const p = principalOf(req);
    requireAccountCredentials(p);
    const { AccountSid, Sid } = parseParams(keyParams, req.params);
    const acc = accessibleAccount(state, p, AccountSid, urlPath(req));
    return renderKey(findKey(acc.sid, Sid, urlPath(req)), false);
  });

  app.post('/2010-04-01/Accounts/:AccountSid/Keys/:Sid.json', async (req) => {
    const p = principalOf(req);
    requireAccountCredentials(p);
    const { AccountSid, Sid } = parseParams(keyParams, req.params);
    const acc = accessibleAccount(state, p, AccountSid, urlPath(req));
    const key = findKey(acc.sid, Sid, urlPath(req));
    const body = parseParams(keyBody, req.body);
    if (body.FriendlyName !== undefined) key.friendlyName = body.FriendlyName;
    key.dateUpdated = state.clock.now();
    return renderKey(key, false);
  });

  app.delete('/2010-04-01/Accounts/:AccountSid/Keys/:Sid.json', async (req, reply) => {
    const p = principalOf(req);
    requireAccountCredentials(p);
    const { AccountSid, Sid } = parseParams(keyParams, req.params);
    const acc = accessibleAccount(state, p, AccountSid, urlPath(req));
    findKey(acc.sid, Sid, urlPath(req));
    state.keys.delete(Sid);
    return reply.code(204).send();
  });
}
