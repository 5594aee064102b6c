// Who a broadcast goes to: customers of the tenant on one channel who may be messaged (consent.ts), narrowed by
// the merchant's tags and by when they last wrote. One SQL condition builder, used for the preview's count, for
// freezing the recipients when sending starts, and for the audience page's list, so the three always agree.
import { z } from 'zod';
import type { Channel } from '../conversations/addresses.js';
import { MAY_MESSAGE } from './consent.js';

export const tagSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(40)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} _-]*$/u, 'Tags are letters, digits, spaces, - and _.');

export const audienceSchema = z.object({
  /** Customers carrying these tags (`any` of them, or `all`); none = everyone who opted in. */
  tags: z.array(tagSchema).max(20).default([]),
  tagMatch: z.enum(['any', 'all']).default('any'),
  /** Wrote to us within this many days. */
  contactedWithinDays: z.number().int().min(1).max(3650).nullable().default(null),
  /** Has not written for at least this many days (or never): win-back campaigns. */
  notContactedForDays: z.number().int().min(1).max(3650).nullable().default(null),
});

export type Audience = z.infer<typeof audienceSchema>;

export interface SqlCondition {
  /** A WHERE condition on `conversations c`; `$1` is the tenant and `$2` the channel. */
  text: string;
  values: unknown[];
}

/** The audience as a condition on `conversations c`; parameters continue after `first` ($1 tenant, $2 channel). */
export function audienceCondition(tenantId: string, channel: Channel, audience: Audience): SqlCondition {
  const values: unknown[] = [tenantId, channel];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  const parts = ['c.tenant_id = $1', 'c.channel = $2::channel', MAY_MESSAGE];
  if (audience.tags.length > 0) parts.push(`c.tags ${audience.tagMatch === 'all' ? '@>' : '&&'} ${param(audience.tags)}::text[]`);
  if (audience.contactedWithinDays !== null) {
    parts.push(`c.last_inbound_at >= (now() AT TIME ZONE 'UTC') - make_interval(days => ${param(audience.contactedWithinDays)}::int)`);
  }
  if (audience.notContactedForDays !== null) {
    parts.push(`(c.last_inbound_at IS NULL OR c.last_inbound_at < (now() AT TIME ZONE 'UTC') - make_interval(days => ${param(audience.notContactedForDays)}::int))`);
  }
  return { text: parts.join(' AND '), values };
}
