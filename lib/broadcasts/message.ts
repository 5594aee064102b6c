// What each recipient of a broadcast gets. WhatsApp: an approved template (ContentSid) whose `{{1}}`-style
// placeholders take a value per recipient (their first name, or a fixed text); Twilio renders it, we render the
// same text for our own record of the message. SMS: the merchant's text, where `{{first_name}}` is the
// recipient's first name, with an opt-out footer (carriers expect one on marketing SMS).
import { z } from 'zod';
import { countSmsSegments, SMS_MAX_CHARACTERS, type SmsSegmentCount } from '../sms/segments.js';

export const variableSchema = z.union([
  z.object({ field: z.literal('first_name'), fallback: z.string().trim().min(1).max(40) }),
  z.object({ text: z.string().trim().min(1).max(200) }),
]);
export type VariableSpec = z.infer<typeof variableSchema>;
/** Placeholder number ("1", "2", …) → where its value comes from. */
export const variablesSchema = z.record(z.string().regex(/^\d{1,2}$/), variableSchema);
export type Variables = z.infer<typeof variablesSchema>;

export const FIRST_NAME_TOKEN = '{{first_name}}';
export const SMS_OPT_OUT_FOOTER = 'Reply STOP to opt out.';
/** The first-name placeholder's value when the customer's name is unknown, in SMS text. */
export const SMS_NAME_FALLBACK = 'there';

export interface Recipient {
  /** The name the merchant recorded, else WhatsApp's profile name. */
  firstName: string | null;
  profileName: string | null;
}

/** The recipient's first name as a greeting uses it, or null. */
export function firstNameOf(recipient: Recipient): string | null {
  const raw = recipient.firstName?.trim() || recipient.profileName?.trim().split(/\s+/)[0] || '';
  return raw === '' ? null : raw.slice(0, 40);
}

/** ContentVariables for one recipient: every value non-empty (Twilio refuses empty ones with 21656). */
export function templateValues(variables: Variables, recipient: Recipient): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, spec] of Object.entries(variables)) out[key] = 'text' in spec ? spec.text : (firstNameOf(recipient) ?? spec.fallback);
  return out;
}

/** `{{n}}` replaced by its value; a placeholder without one stays as written (as Twilio does). */
export function renderTemplate(body: string, values: Record<string, string>): string {
  return body.replace(/\{\{\s*(\d{1,2})\s*\}\}/g, (whole, key: string) => (Object.hasOwn(values, key) ? values[key]! : whole));
}

/** The placeholders a template body uses, in order, each once. */
export function placeholdersOf(body: string): string[] {
  return [...new Set([...body.matchAll(/\{\{\s*(\d{1,2})\s*\}\}/g)].map((m) => m[1]!))].sort((a, b) => Number(a) - Number(b));
}

/** The SMS a recipient gets: name filled in, footer added unless the text already tells how to stop. */
export function renderSms(text: string, recipient: Recipient): string {
  const named = text.replaceAll(FIRST_NAME_TOKEN, firstNameOf(recipient) ?? SMS_NAME_FALLBACK).trim();
  return /\bstop\b/i.test(named) ? named : `${named}\n\n${SMS_OPT_OUT_FOOTER}`;
}

export interface SmsPreview {
  text: string;
  segments: SmsSegmentCount;
  tooLong: boolean;
}

/** A sample recipient's SMS and what it costs; the longest name in the audience may add a segment. */
export function previewSms(text: string, recipient: Recipient): SmsPreview {
  const rendered = renderSms(text, recipient);
  return { text: rendered, segments: countSmsSegments(rendered), tooLong: Array.from(rendered).length > SMS_MAX_CHARACTERS };
}
