// Content templates: creating them (control API or Content API) and using them on a send, where
// the fake renders `{{n}}` placeholders from ContentVariables the way Twilio does.
import { TwilioApiError } from './http.js';
import { newSid, type FakeTwilioState } from './state.js';
import type { ApprovalStatus, ContentTemplateRecord } from './types.js';

export interface TemplateInput {
  friendlyName: string;
  language: string;
  body: string;
  variables?: Record<string, string> | undefined;
  approval?: ApprovalStatus | undefined;
  category?: string | undefined;
  rejectionReason?: string | undefined;
}

/** WhatsApp template names are lower-case with underscores; derive one from the friendly name. */
function whatsappName(friendlyName: string): string {
  return friendlyName.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'template';
}

export function createTemplate(state: FakeTwilioState, accountSid: string, input: TemplateInput): ContentTemplateRecord {
  const t = state.clock.now();
  const rec: ContentTemplateRecord = {
    sid: newSid('HX'),
    accountSid,
    friendlyName: input.friendlyName,
    language: input.language,
    body: input.body,
    variables: input.variables ?? {},
    whatsapp: {
      name: whatsappName(input.friendlyName),
      category: input.category ?? 'UTILITY',
      status: input.approval ?? 'unsubmitted',
      rejectionReason: input.rejectionReason ?? '',
    },
    dateCreated: t,
    dateUpdated: t,
  };
  state.templates.set(rec.sid, rec);
  return rec;
}

export interface ResolvedContent {
  body: string;
  /** null when the account has no templates and the sid is let through unchecked (see below). */
  template: ContentTemplateRecord | null;
}

/**
 * Check ContentSid / ContentVariables and render the body. Errors: 21655 for a malformed or unknown
 * ContentSid, 21656 for ContentVariables that are not a JSON object of non-empty strings.
 *
 * Compatibility: an account that has no templates at all accepts any well-formed HX sid and records
 * `[content HX…] {vars}` as the body, as the fake did before it had a Content API. Once an account
 * has a template, unknown sids are refused like on Twilio.
 */
export function resolveContent(
  state: FakeTwilioState,
  accountSid: string,
  contentSid: string,
  contentVariables: string | undefined,
): ResolvedContent {
  if (!/^HX[0-9a-fA-F]{32}$/.test(contentSid)) throw new TwilioApiError(400, 21655, 'The ContentSid is Invalid.');
  const vars = parseVariables(contentVariables);
  const template = state.templates.get(contentSid);
  if (!template || template.accountSid !== accountSid) {
    const accountHasTemplates = [...state.templates.values()].some((t) => t.accountSid === accountSid);
    if (accountHasTemplates) throw new TwilioApiError(400, 21655, 'The ContentSid is Invalid.');
    return { body: `[content ${contentSid}] ${contentVariables ?? ''}`.trim(), template: null };
  }
  // A placeholder without a value falls back to the template's sample value, else stays as written.
  const body = template.body.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => vars[key] ?? template.variables[key] ?? whole);
  return { body, template };
}

function parseVariables(json: string | undefined): Record<string, string> {
  if (json === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new TwilioApiError(400, 21656, 'The ContentVariables Parameter is invalid.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TwilioApiError(400, 21656, 'The ContentVariables Parameter is invalid.');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    // Twilio refuses variables set to null or an empty string.
    if (v === null || v === '' || typeof v === 'object') throw new TwilioApiError(400, 21656, 'The ContentVariables Parameter is invalid.');
    out[k] = String(v);
  }
  return out;
}
