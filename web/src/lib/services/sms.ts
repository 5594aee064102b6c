import { z } from 'zod';
import { requestJson, sendJson, type Fetch } from './api.ts';

// The contract of the API's `/api/sms` endpoints: the tenant's SMS numbers with their workflow's live steps, a
// search of numbers on sale, buying and releasing one.

const isoDate = z.iso.datetime({ offset: true });
const httpUrl = z.url({ protocol: /^https?$/ });

export const SMS_STEP_IDS = ['buy', 'attach', 'identifiers', 'release'] as const;

export const smsNumberSchema = z.object({
  id: z.string(),
  phoneNumber: z.string(),
  isoCountry: z.string().nullable(),
  status: z.string(),
  lastError: z.string().nullable(),
  createdAt: isoDate,
  releasedAt: isoDate.nullable(),
  run: z.object({ workflowId: z.string(), runId: z.string(), status: z.string(), temporalUiUrl: httpUrl.nullable() }).nullable(),
  steps: z
    .array(z.object({ id: z.enum(SMS_STEP_IDS), state: z.enum(['pending', 'running', 'done', 'failed']), reason: z.string().nullable(), attempts: z.number().int() }))
    .nullable(),
  phase: z.enum(['running', 'done', 'failed']).nullable(),
});

export const smsOverviewSchema = z.object({
  numbers: z.array(smsNumberSchema),
  canAdd: z.boolean(),
  reason: z.string().nullable(),
  ratePerSecond: z.number(),
  replyMaxSegments: z.number().int(),
});

export const availableSchema = z.object({
  numbers: z.array(
    z.object({
      phoneNumber: z.string(),
      friendlyName: z.string(),
      locality: z.string().nullable(),
      region: z.string().nullable(),
      isoCountry: z.string(),
      type: z.string(),
      capabilities: z.object({ sms: z.boolean(), mms: z.boolean(), voice: z.boolean() }),
    }),
  ),
});

export type SmsNumber = z.infer<typeof smsNumberSchema>;
export type SmsOverview = z.infer<typeof smsOverviewSchema>;
export type AvailableNumber = z.infer<typeof availableSchema>['numbers'][number];
export type SmsStep = NonNullable<SmsNumber['steps']>[number];

export const STEP_TEXT: Record<(typeof SMS_STEP_IDS)[number], string> = {
  buy: 'Buy the number in your Twilio account',
  attach: 'Add it to your Messaging Service',
  identifiers: 'Route its messages to your AI assistant',
  release: 'Give the number back to Twilio',
};

/** Countries with numbers that can text (local ones in North America, mobile ones elsewhere). */
export const COUNTRIES: Array<{ code: string; name: string }> = [
  { code: 'US', name: 'United States' },
  { code: 'GB', name: 'United Kingdom' },
  { code: 'ES', name: 'Spain' },
  { code: 'DE', name: 'Germany' },
  { code: 'BR', name: 'Brazil' },
];

export function fetchSmsOverview(fetchFn?: Fetch): Promise<SmsOverview> {
  return requestJson('/api/sms', smsOverviewSchema, { cache: 'no-store' }, fetchFn);
}

export function searchNumbers(search: { country: string; areaCode?: string; contains?: string }): Promise<AvailableNumber[]> {
  return sendJson('/api/sms/search', availableSchema, search).then((r) => r.numbers);
}

export function buyNumber(phoneNumber: string, isoCountry: string): Promise<SmsNumber> {
  return sendJson('/api/sms/numbers', smsNumberSchema, { phoneNumber, isoCountry });
}

export function releaseNumber(id: string): Promise<SmsNumber> {
  return sendJson(`/api/sms/numbers/${encodeURIComponent(id)}/release`, smsNumberSchema, {});
}

/** A number whose workflow is still running: the page keeps polling. */
export function isBusy(number: SmsNumber): boolean {
  return number.run?.status === 'RUNNING' || number.status === 'buying' || number.status === 'releasing';
}
