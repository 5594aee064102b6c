import { z } from 'zod';
import { requestJson, sendJson } from './api.ts';

// The contract of the API's `/api/customers` endpoints: the broadcast audience with consent and tags, opt-ins
// recorded in bulk, and a customer's name and tags.

const isoDate = z.iso.datetime({ offset: true });

export const customerSchema = z.object({
  id: z.string(),
  channel: z.enum(['whatsapp', 'sms']),
  phone: z.string(),
  firstName: z.string().nullable(),
  profileName: z.string().nullable(),
  tags: z.array(z.string()),
  reachable: z.boolean(),
  optedInAt: isoDate.nullable(),
  optInSource: z.string().nullable(),
  optedOut: z.boolean(),
  optedOutAt: isoDate.nullable(),
  optOutSource: z.string().nullable(),
  lastInboundAt: isoDate.nullable(),
});

export const customerPageSchema = z.object({
  items: z.array(customerSchema),
  nextCursor: z.string().nullable(),
  tags: z.array(z.object({ tag: z.string(), customers: z.number().int() })),
});

export const optInResultSchema = z.object({ added: z.number().int(), updated: z.number().int(), refused: z.array(z.string()) });

export type Customer = z.infer<typeof customerSchema>;
export type CustomerPage = z.infer<typeof customerPageSchema>;
export type OptInResult = z.infer<typeof optInResultSchema>;
export type ConsentFilter = 'all' | 'reachable' | 'opted_out' | 'not_opted_in';

export const OPT_IN_SOURCES: Array<{ value: string; label: string }> = [
  { value: 'website_form', label: 'Website sign-up form' },
  { value: 'checkout', label: 'Checkbox at checkout' },
  { value: 'in_store', label: 'In the shop' },
  { value: 'import', label: 'Imported list (consent on file)' },
  { value: 'verbal', label: 'Said yes by phone or in person' },
  { value: 'other', label: 'Other' },
];

export function fetchCustomers(query: { channel: 'whatsapp' | 'sms'; consent?: ConsentFilter; tag?: string | null; cursor?: string | null }): Promise<CustomerPage> {
  const params = new URLSearchParams({ channel: query.channel, consent: query.consent ?? 'all', limit: '50' });
  if (query.tag) params.set('tag', query.tag);
  if (query.cursor) params.set('cursor', query.cursor);
  return requestJson(`/api/customers?${params}`, customerPageSchema, { cache: 'no-store' });
}

export function recordOptIns(input: {
  channel: 'whatsapp' | 'sms';
  source: string;
  consentedAt?: string;
  customers: Array<{ phone: string; firstName?: string | null; tags?: string[] }>;
}): Promise<OptInResult> {
  return sendJson('/api/customers/opt-ins', optInResultSchema, input);
}

export function updateCustomer(id: string, patch: { firstName?: string | null; tags?: string[] }): Promise<Customer> {
  return sendJson(`/api/customers/${encodeURIComponent(id)}`, customerSchema, patch, { method: 'PATCH' });
}

/**
 * The opt-in form's text, one customer a line: `+14155550123, Ana, vip spring` (number, first name, tags).
 * Returns the customers and the lines it could not read.
 */
export function parseOptInLines(text: string): { customers: Array<{ phone: string; firstName: string | null; tags: string[] }>; bad: string[] } {
  const customers: Array<{ phone: string; firstName: string | null; tags: string[] }> = [];
  const bad: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const [phone = '', name = '', tags = ''] = line.split(',').map((p) => p.trim());
    const cleaned = phone.replace(/[\s\-().]/g, '');
    if (!/^\+[1-9]\d{7,14}$/.test(cleaned)) {
      bad.push(line);
      continue;
    }
    customers.push({ phone: cleaned, firstName: name || null, tags: tags.split(/\s+/).filter(Boolean).map((t) => t.toLowerCase()) });
  }
  return { customers, bad };
}
