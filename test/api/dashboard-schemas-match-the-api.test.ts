// The API's response schemas and the dashboard's are written twice on purpose: the dashboard validates what
// it receives and stays its own app. This test is what keeps the two from drifting: every field the API
// sends, the dashboard reads (and no field it expects is missing), with the same nesting, arrays and nulls.
// Types may differ in strictness (an enum on one side, a string on the other; a datetime check) by design.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { meSchema as apiMe } from '../../api/plugins/auth.js';
import { importDetailSchema as apiImportDetail, productPageSchema as apiProductPage } from '../../api/plugins/catalog.js';
import { detailSchema as apiThread, feedSchema as apiFeed } from '../../api/plugins/conversations.js';
import { dashboardSchema as apiDashboard } from '../../api/plugins/dashboard.js';
import { connectionSchema as apiConnection } from '../../api/plugins/onboarding.js';
import { statusResponseSchema as apiStatus } from '../../api/plugins/status.js';

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
    ['GET /api/auth/me', apiMe, web(webAuth, 'meSchema')],
    ['GET /api/catalog/imports/:id', apiImportDetail, web(webCatalog, 'importDetailSchema')],
    ['GET /api/catalog/products', apiProductPage, web(webCatalog, 'productPageSchema')],
    ['GET /api/messages', apiFeed, web(webConversations, 'feedSchema')],
    ['GET /api/conversations/:id', apiThread, web(webConversations, 'threadSchema')],
    ['GET /api/dashboard', apiDashboard, web(webDashboardModule, 'dashboardSchema')],
    ['GET /api/status', apiStatus, web(webStatusModule, 'statusResponseSchema')],
    ['GET /api/whatsapp', apiConnection, web(webWhatsApp, 'connectionSchema')],
  ];
  it.each(pairs)('%s', (_route, api, dashboard) => {
    expect(of(dashboard)).toEqual(of(api));
  });

  it('notices a drift: a field the API renamed', () => {
    const renamed = (apiConnection as z.ZodObject).omit({ phoneNumber: true }).extend({ phone: z.string().nullable() });
    expect(of(web(webWhatsApp, 'connectionSchema'))).not.toEqual(of(renamed));
  });
});
