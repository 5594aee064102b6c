// The API's response schemas and the dashboard's are written twice on purpose: the dashboard validates what
// it receives and stays its own app. This test is what keeps the two from drifting: every field the API
// sends, the dashboard reads (and no field it expects is missing), with the same nesting, arrays and nulls.
// Types may differ in strictness (an enum on one side, a string on the other; a datetime check) by design.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { meSchema as apiMe } from '../../api/plugins/auth.js';
import { billingSchema as apiBilling, plansSchema as apiPlans, sessionSchema as apiBillingSession } from '../../api/plugins/billing.js';
import {
  agentSettingsResponseSchema as apiAgentSettings,
  attentionSchema as apiAttention,
  knowledgeItemSchema as apiKnowledgeItem,
  knowledgeListSchema as apiKnowledgeList,
  testChatResponseSchema as apiTestChat,
} from '../../api/plugins/agent.js';
import { importDetailSchema as apiImportDetail, productPageSchema as apiProductPage } from '../../api/plugins/catalog.js';
import { detailSchema as apiThread, feedSchema as apiFeed } from '../../api/plugins/conversations.js';
import { dashboardSchema as apiDashboard } from '../../api/plugins/dashboard.js';
import { connectionSchema as apiConnection } from '../../api/plugins/onboarding.js';
import { statusResponseSchema as apiStatus } from '../../api/plugins/status.js';
import { auditDetailSchema as apiAuditDetail, auditPageSchema as apiAuditPage } from '../../api/plugins/audit.js';
import {
  analyticsReportSchema as apiAnalyticsReport,
  rebuildStartedSchema as apiAnalyticsRebuild,
  timeZoneSchema as apiAnalyticsTimeZone,
} from '../../api/plugins/analytics.js';
import {
  alertsSchema as apiAlerts,
  replyBacklogSchema as apiReplyBacklog,
  credentialResultsSchema as apiCredentialResults,
  credentialsOverviewSchema as apiCredentialsOverview,
  opsTenantsSchema as apiOpsTenants,
  testAlertSchema as apiTestAlert,
} from '../../api/plugins/ops.js';
import {
  broadcastDetailSchema as apiBroadcastDetail,
  broadcastListSchema as apiBroadcastList,
  previewSchema as apiBroadcastPreview,
  recipientPageSchema as apiRecipientPage,
  templatesSchema as apiTemplates,
} from '../../api/plugins/broadcasts.js';
import { customerPageSchema as apiCustomerPage, optInResultSchema as apiOptInResult } from '../../api/plugins/customers.js';
import { availableSchema as apiAvailableNumbers, smsNumberSchema as apiSmsNumber, smsOverviewSchema as apiSmsOverview } from '../../api/plugins/sms.js';

/**
 * A dashboard service module's schemas. Loaded by path, not by a static import: the dashboard is its own
 * app (DOM types, SvelteKit's `$app/*`, `.ts` specifiers), type-checked by svelte-check, not by the
 * server's tsc; vitest transforms it like any other module.
 */
async function dashboardSchemas(service: string): Promise<Record<string, z.ZodType>> {
  const path = `../../web/src/lib/services/${service}.ts`;
  return (await import(/* @vite-ignore */ path)) as Record<string, z.ZodType>;
}
const [webAuth, webCatalog, webConversations, webDashboardModule, webStatusModule, webWhatsApp] = await Promise.all(
  ['auth', 'catalog', 'conversations', 'dashboard', 'status', 'whatsapp'].map(dashboardSchemas),
);
const [webAudit, webOps] = await Promise.all(['audit', 'ops'].map(dashboardSchemas));
const webAgent = await dashboardSchemas('agent');
const webAnalytics = await dashboardSchemas('analytics');
const webBilling = await dashboardSchemas('billing');
const [webBroadcasts, webSms, webCustomers] = await Promise.all(['broadcasts', 'sms', 'customers'].map(dashboardSchemas));
const web = (module: Record<string, z.ZodType> | undefined, name: string): z.ZodType => {
  const schema = module?.[name];
  if (!schema) throw new Error(`the dashboard no longer exports ${name}`);
  return schema;
};

type Shape = string | { [key: string]: Shape } | { array: Shape } | { nullable: Shape };

/** The structure of a JSON schema: object keys (required ones), arrays and nulls; scalars as their kind. */
function shape(schema: z.core.JSONSchema.JSONSchema | boolean): Shape {
  if (typeof schema === 'boolean') return 'any';
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) {
    const nonNull = variants.filter((v) => typeof v === 'boolean' || v.type !== 'null');
    const inner = nonNull.length === 1 ? shape(nonNull[0]!) : 'union';
    return nonNull.length < variants.length ? { nullable: inner } : inner;
  }
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((t) => t !== 'null');
    const inner = types.length === 1 ? shape({ ...schema, type: types[0] }) : 'union';
    return types.length < schema.type.length ? { nullable: inner } : inner;
  }
  if (schema.type === 'object') {
    const required = new Set(schema.required ?? []);
    const entries = Object.entries(schema.properties ?? {}).filter(([key]) => required.has(key));
    return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => [key, shape(value)]));
  }
  if (schema.type === 'array') return { array: shape(schema.items as z.core.JSONSchema.JSONSchema) };
  if (schema.enum) return 'string';
  return String(schema.type ?? 'any') === 'integer' ? 'number' : String(schema.type ?? 'any');
}

const of = (schema: z.ZodType) => shape(z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }));

describe('the dashboard reads exactly what the API sends', () => {
  const pairs: Array<[string, z.ZodType, z.ZodType]> = [
    ['GET/PUT /api/agent/settings', apiAgentSettings, web(webAgent, 'agentSettingsResponseSchema')],
    ['GET /api/agent/knowledge', apiKnowledgeList, web(webAgent, 'knowledgeListSchema')],
    ['POST /api/agent/knowledge (and PUT, uploads)', apiKnowledgeItem, web(webAgent, 'knowledgeItemSchema')],
    ['GET /api/agent/attention', apiAttention, web(webAgent, 'attentionSchema')],
    ['POST /api/agent/test-chat', apiTestChat, web(webAgent, 'testChatResponseSchema')],
    ['GET /api/auth/me', apiMe, web(webAuth, 'meSchema')],
    ['GET /api/billing', apiBilling, web(webBilling, 'billingSchema')],
    ['GET /api/billing/plans', apiPlans, web(webBilling, 'plansSchema')],
    ['POST /api/billing/checkout (and /portal)', apiBillingSession, web(webBilling, 'sessionSchema')],
    ['GET /api/catalog/imports/:id', apiImportDetail, web(webCatalog, 'importDetailSchema')],
    ['GET /api/catalog/products', apiProductPage, web(webCatalog, 'productPageSchema')],
    ['GET /api/messages', apiFeed, web(webConversations, 'feedSchema')],
    ['GET /api/conversations/:id', apiThread, web(webConversations, 'threadSchema')],
    ['GET /api/dashboard', apiDashboard, web(webDashboardModule, 'dashboardSchema')],
    ['GET /api/status', apiStatus, web(webStatusModule, 'statusResponseSchema')],
    ['GET /api/whatsapp', apiConnection, web(webWhatsApp, 'connectionSchema')],
    ['GET /api/audit (and /api/ops/audit)', apiAuditPage, web(webAudit, 'auditPageSchema')],
    ['GET /api/audit/:id (and /api/ops/audit/:id)', apiAuditDetail, web(webAudit, 'auditDetailSchema')],
    ['GET /api/ops/tenants', apiOpsTenants, web(webOps, 'opsTenantsSchema')],
    ['GET /api/ops/credentials', apiCredentialsOverview, web(webOps, 'credentialsOverviewSchema')],
    ['POST /api/ops/credentials/test*', apiCredentialResults, web(webOps, 'credentialResultsSchema')],
    ['GET /api/ops/alerts', apiAlerts, web(webOps, 'alertsSchema')],
    ['GET /api/ops/reply-backlog', apiReplyBacklog, web(webOps, 'replyBacklogSchema')],
    ['POST /api/ops/alerts/test', apiTestAlert, web(webOps, 'testAlertSchema')],
    ['GET /api/analytics (and /api/ops/analytics)', apiAnalyticsReport, web(webAnalytics, 'analyticsReportSchema')],
    ['PUT /api/analytics/time-zone', apiAnalyticsTimeZone, web(webAnalytics, 'timeZoneSchema')],
    ['POST /api/ops/analytics/rebuild', apiAnalyticsRebuild, web(webAnalytics, 'rebuildStartedSchema')],
    ['GET /api/broadcasts', apiBroadcastList, web(webBroadcasts, 'broadcastListSchema')],
    ['GET /api/broadcasts/templates', apiTemplates, web(webBroadcasts, 'templatesSchema')],
    ['POST /api/broadcasts/preview', apiBroadcastPreview, web(webBroadcasts, 'previewSchema')],
    ['GET /api/broadcasts/:id (and POST /api/broadcasts)', apiBroadcastDetail, web(webBroadcasts, 'broadcastDetailSchema')],
    ['GET /api/broadcasts/:id/recipients', apiRecipientPage, web(webBroadcasts, 'recipientPageSchema')],
    ['GET /api/sms', apiSmsOverview, web(webSms, 'smsOverviewSchema')],
    ['POST /api/sms/numbers (and …/release)', apiSmsNumber, web(webSms, 'smsNumberSchema')],
    ['POST /api/sms/search', apiAvailableNumbers, web(webSms, 'availableSchema')],
    ['GET /api/customers', apiCustomerPage, web(webCustomers, 'customerPageSchema')],
    ['POST /api/customers/opt-ins', apiOptInResult, web(webCustomers, 'optInResultSchema')],
  ];
  it.each(pairs)('%s', (_route, api, dashboard) => {
    expect(of(dashboard)).toEqual(of(api));
  });

  it('notices a drift: a field the API renamed', () => {
    const renamed = (apiConnection as z.ZodObject).omit({ phoneNumber: true }).extend({ phone: z.string().nullable() });
    expect(of(web(webWhatsApp, 'connectionSchema'))).not.toEqual(of(renamed));
  });
});
