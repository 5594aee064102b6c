// Wire shapes of the phone-number and Content resources (see render.ts for the conventions).
// Note Twilio's own inconsistency, kept here: AvailablePhoneNumbers spells capabilities
// `{voice, SMS, MMS}`, IncomingPhoneNumbers `{voice, sms, mms, fax}`, and the Messaging Service
// PhoneNumber resource lists them as an array `["SMS", "MMS", "Voice"]`.
import type { InventoryNumber } from './numbers.js';
import { iso, MESSAGING_HOST, rfc2822 } from './render.js';
import type { ContentTemplateRecord, PhoneNumberRecord, ServiceRecord } from './types.js';

export const CONTENT_HOST = 'https://content.twilio.com';

export function renderAvailableNumber(n: InventoryNumber): Record<string, unknown> {
  return {
    friendly_name: n.friendlyName,
    phone_number: n.phoneNumber,
    lata: n.lata,
    locality: n.locality,
    rate_center: n.rateCenter,
    latitude: n.latitude,
    longitude: n.longitude,
    region: n.region,
    postal_code: n.postalCode,
    iso_country: n.isoCountry,
    address_requirements: n.addressRequirements,
    beta: false,
    capabilities: { voice: n.capabilities.voice, SMS: n.capabilities.sms, MMS: n.capabilities.mms },
  };
}

/** Unset SMS URLs are empty strings and unset voice URLs null, as Twilio returns them. */
export function renderIncomingNumber(n: PhoneNumberRecord): Record<string, unknown> {
  const uri = `/2010-04-01/Accounts/${n.accountSid}/IncomingPhoneNumbers/${n.sid}.json`;
  return {
    account_sid: n.accountSid,
    address_requirements: n.addressRequirements,
    address_sid: null,
    api_version: '2010-04-01',
    beta: false,
    capabilities: { ...n.capabilities },
    date_created: rfc2822(n.dateCreated),
    date_updated: rfc2822(n.dateUpdated),
    emergency_status: 'Inactive',
    emergency_address_sid: null,
    emergency_address_status: 'unregistered',
    friendly_name: n.friendlyName,
    identity_sid: null,
    origin: 'twilio',
    phone_number: n.phoneNumber,
    sid: n.sid,
    sms_application_sid: '',
    sms_fallback_method: n.smsFallbackMethod,
    sms_fallback_url: n.smsFallbackUrl ?? '',
    sms_method: n.smsMethod,
    sms_url: n.smsUrl ?? '',
    status_callback: n.statusCallback ?? '',
    status_callback_method: n.statusCallbackMethod,
    trunk_sid: null,
    uri,
    voice_application_sid: '',
    voice_caller_id_lookup: false,
    voice_fallback_method: 'POST',
    voice_fallback_url: null,
    voice_method: n.voiceMethod,
    voice_url: n.voiceUrl,
    voice_receive_mode: 'voice',
    status: 'in-use',
    bundle_sid: null,
    type: n.type === 'tollFree' ? 'toll-free' : n.type,
    subresource_uris: { assigned_add_ons: uri.replace(/\.json$/, '/AssignedAddOns.json') },
  };
}

export function renderServiceNumber(svc: ServiceRecord, n: PhoneNumberRecord, attachedAt: number): Record<string, unknown> {
  const caps = [n.capabilities.sms && 'SMS', n.capabilities.mms && 'MMS', n.capabilities.voice && 'Voice'].filter(Boolean);
  return {
    sid: n.sid,
    account_sid: svc.accountSid,
    service_sid: svc.sid,
    date_created: iso(attachedAt),
    date_updated: iso(attachedAt),
    phone_number: n.phoneNumber,
    country_code: n.isoCountry,
    capabilities: caps,
    url: `${MESSAGING_HOST}/v1/Services/${svc.sid}/PhoneNumbers/${n.sid}`,
  };
}

function contentBase(t: ContentTemplateRecord): Record<string, unknown> {
  return {
    date_created: iso(t.dateCreated),
    date_updated: iso(t.dateUpdated),
    sid: t.sid,
    account_sid: t.accountSid,
    friendly_name: t.friendlyName,
    language: t.language,
    variables: t.variables,
    types: { 'twilio/text': { body: t.body } },
  };
}

/** The whatsapp approval object (ContentAndApprovals' approval_requests, ApprovalRequests' whatsapp). */
export function renderWhatsappApproval(t: ContentTemplateRecord): Record<string, unknown> {
  return {
    name: t.whatsapp.name,
    category: t.whatsapp.category,
    content_type: 'twilio/text',
    status: t.whatsapp.status,
    rejection_reason: t.whatsapp.rejectionReason,
    allow_category_change: true,
    type: 'whatsapp',
    flows: null,
  };
}

export function renderContent(t: ContentTemplateRecord): Record<string, unknown> {
  const url = `${CONTENT_HOST}/v1/Content/${t.sid}`;
  return {
    ...contentBase(t),
    url,
    links: { approval_create: `${url}/ApprovalRequests/whatsapp`, approval_fetch: `${url}/ApprovalRequests` },
  };
}

export function renderContentAndApprovals(t: ContentTemplateRecord): Record<string, unknown> {
  return { ...contentBase(t), approval_requests: renderWhatsappApproval(t) };
}

export function renderApprovalFetch(t: ContentTemplateRecord): Record<string, unknown> {
  return {
    account_sid: t.accountSid,
    sid: t.sid,
    url: `${CONTENT_HOST}/v1/Content/${t.sid}/ApprovalRequests`,
    whatsapp: renderWhatsappApproval(t),
  };
}
