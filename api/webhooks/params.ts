// The webhook parameters we use, validated after the signature check (a valid signature over a form we
// cannot read is still a 400, and nothing is stored).
import { z } from 'zod';
import type { FormParams } from './signature.js';

const one = z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string());
const optionalOne = z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string().optional());
const sid = (prefix: string) => one.pipe(z.string().regex(new RegExp(`^${prefix}[0-9a-zA-Z]{32}$`), `must be a Twilio ${prefix} sid`));

export const formBody = z.record(z.string(), z.union([z.string(), z.array(z.string())]));

export const inboundParams = z.object({
  MessageSid: one.pipe(z.string().regex(/^(SM|MM)[0-9a-zA-Z]{32}$/, 'must be a Twilio message sid')),
  AccountSid: sid('AC'),
  MessagingServiceSid: optionalOne,
  From: one,
  To: one,
  Body: optionalOne.transform((b) => b ?? ''),
  ProfileName: optionalOne,
  NumMedia: optionalOne,
});
export type InboundParams = z.infer<typeof inboundParams>;

export const statusParams = z.object({
  MessageSid: one.pipe(z.string().regex(/^(SM|MM)[0-9a-zA-Z]{32}$/, 'must be a Twilio message sid')),
  AccountSid: sid('AC'),
  MessageStatus: one,
  ErrorCode: optionalOne,
  ErrorMessage: optionalOne,
});

/** `MediaUrl0..N` with their content types, at most the 10 Twilio allows. */
export function mediaOf(params: FormParams, numMedia: string | undefined): Array<{ url: string; contentType: string | null }> {
  const n = Math.min(10, Math.max(0, Number.parseInt(numMedia ?? '0', 10) || 0));
  const media: Array<{ url: string; contentType: string | null }> = [];
  for (let i = 0; i < n; i++) {
    const url = params[`MediaUrl${i}`];
    const type = params[`MediaContentType${i}`];
    if (typeof url === 'string') media.push({ url, contentType: typeof type === 'string' ? type : null });
  }
  return media;
}

/**
 * Text as Postgres can store it. Fuzzing found (test/fuzz/webhooks-never-fail.test.ts) that a signed webhook
 * with a NUL in a stored field (Body, ProfileName, MediaUrlN, a status callback's ErrorMessage/ErrorCode), or
 * in a JSON body a lone UTF-16 surrogate in a media field (JSON.stringify escapes it and jsonb refuses it),
 * failed its statement: a 500, and an inbound message lost. Such a character is kept as U+FFFD, which is what
 * Postgres' own UTF-8 conversion makes of a lone surrogate in text.
 */
export function storable(text: string): string {
  const wellFormed = Buffer.from(text, 'utf8').toString('utf8');
  return wellFormed.includes('\0') ? wellFormed.replaceAll('\0', '\uFFFD') : wellFormed;
}
