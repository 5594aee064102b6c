import { z } from 'zod';
import { requestJson, sendJson, type Fetch } from './api.ts';
import { backlogSchema } from './conversations.ts';

// The contract of the operators' API (`/api/ops/*`): tenants, credential tests, alerts, the reply backlog.

export const CREDENTIAL_PROVIDERS = ['twilio', 'openai', 'stripe', 'smtp', 'slack'] as const;
export type CredentialProvider = (typeof CREDENTIAL_PROVIDERS)[number];

export const credentialResultSchema = z.object({
  provider: z.enum(CREDENTIAL_PROVIDERS),
  target: z.string(),
  status: z.enum(['ok', 'failed', 'not_configured']),
  latencyMs: z.number().nullable(),
  reason: z.string().nullable(),
});
export const credentialResultsSchema = z.object({ results: z.array(credentialResultSchema), testedAt: z.iso.datetime({ offset: true }) });
export const credentialsOverviewSchema = z.object({
  providers: z.array(z.object({ provider: z.enum(CREDENTIAL_PROVIDERS), configured: z.boolean(), target: z.string() })),
  allowTemporary: z.boolean(),
});
export const opsTenantsSchema = z.object({
  tenants: z.array(z.object({ id: z.string(), name: z.string(), slug: z.string(), status: z.string(), whatsapp: z.string().nullable() })),
});
const alertSchema = z.object({
  id: z.string(),
  severity: z.string(),
  title: z.string(),
  channels: z.array(z.string()),
  deliveredAt: z.iso.datetime({ offset: true }).nullable(),
  error: z.string().nullable(),
  createdAt: z.iso.datetime({ offset: true }),
});
export const alertsSchema = z.object({ alerts: z.array(alertSchema), channels: z.array(z.string()) });
export const testAlertSchema = z.object({
  alert: alertSchema,
  channels: z.array(z.object({ channel: z.string(), status: z.enum(['sent', 'failed']), latencyMs: z.number(), reason: z.string().nullable() })),
});

/** Every shop's backlog as a merchant's dashboard reads it (`backlogSchema`), and the totals. */
export const replyBacklogSchema = z.object({
  shops: z.array(backlogSchema.extend({ tenantId: z.string(), tenantName: z.string() })),
  totals: backlogSchema.omit({ delayed: true }).extend({ shopsDelayed: z.number().int().nonnegative() }),
  delayedAfterSeconds: z.number().int(),
});

export type CredentialResult = z.infer<typeof credentialResultSchema>;
export type CredentialsOverview = z.infer<typeof credentialsOverviewSchema>;
export type OpsTenant = z.infer<typeof opsTenantsSchema>['tenants'][number];
export type AlertRow = z.infer<typeof alertSchema>;
export type TestAlertResult = z.infer<typeof testAlertSchema>;
export type ReplyBacklogReport = z.infer<typeof replyBacklogSchema>;

/** Credentials typed on the page: sent once, for one test, and never kept by the page afterwards. */
export type TemporaryCredentials =
  | { provider: 'twilio'; accountSid: string; authToken: string }
  | { provider: 'openai'; apiKey: string }
  | { provider: 'stripe'; secretKey: string }
  | { provider: 'smtp'; url: string }
  | { provider: 'slack'; webhookUrl: string };

export async function fetchOpsTenants(q = '', fetchFn?: Fetch): Promise<OpsTenant[]> {
  const query = q ? `?${new URLSearchParams({ q })}` : '';
  return (await requestJson(`/api/ops/tenants${query}`, opsTenantsSchema, { cache: 'no-store' }, fetchFn)).tenants;
}

export function fetchCredentialsOverview(fetchFn?: Fetch): Promise<CredentialsOverview> {
  return requestJson('/api/ops/credentials', credentialsOverviewSchema, { cache: 'no-store' }, fetchFn);
}

export function testConfiguredCredentials(providers?: CredentialProvider[], fetchFn?: Fetch) {
  return sendJson('/api/ops/credentials/test', credentialResultsSchema, providers ? { providers } : {}, { fetchFn });
}

export function testTenantCredentials(tenantId: string, fetchFn?: Fetch) {
  return sendJson('/api/ops/credentials/test-tenant', credentialResultsSchema, { tenantId }, { fetchFn });
}

export function testTemporaryCredentials(credentials: TemporaryCredentials, fetchFn?: Fetch) {
  return sendJson('/api/ops/credentials/test-temporary', credentialResultsSchema, credentials, { fetchFn });
}

export function fetchAlerts(fetchFn?: Fetch) {
  return requestJson('/api/ops/alerts', alertsSchema, { cache: 'no-store' }, fetchFn);
}

export function sendTestAlert(fetchFn?: Fetch): Promise<TestAlertResult> {
  return sendJson('/api/ops/alerts/test', testAlertSchema, {}, { fetchFn });
}

export function fetchReplyBacklog(fetchFn?: Fetch): Promise<ReplyBacklogReport> {
  return requestJson('/api/ops/reply-backlog', replyBacklogSchema, { cache: 'no-store' }, fetchFn);
}
