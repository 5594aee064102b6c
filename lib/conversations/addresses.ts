// Twilio addresses: WhatsApp numbers travel as `whatsapp:+E164`, SMS numbers as bare `+E164`. The
// conversation is keyed by the address exactly as Twilio gives it (the prefix tells the channel), and
// integration identifiers store the bare E.164 form.
export type Channel = 'whatsapp' | 'sms';

export interface TwilioAddress {
  channel: Channel;
  /** `+15551234567` */
  e164: string;
  /** As Twilio writes it: `whatsapp:+15551234567` or `+15551234567`. */
  address: string;
}

const E164 = /^\+[1-9]\d{6,14}$/;

export function parseTwilioAddress(raw: string): TwilioAddress | null {
  const trimmed = raw.trim();
  const whatsapp = trimmed.toLowerCase().startsWith('whatsapp:');
  const e164 = whatsapp ? trimmed.slice('whatsapp:'.length) : trimmed;
  if (!E164.test(e164)) return null;
  return { channel: whatsapp ? 'whatsapp' : 'sms', e164, address: whatsapp ? `whatsapp:${e164}` : e164 };
}

/** The `To` of an outbound message for a conversation stored under `customerAddress`. */
export function outboundAddress(channel: Channel, customerAddress: string): string {
  const parsed = parseTwilioAddress(customerAddress);
  const e164 = parsed?.e164 ?? customerAddress;
  return channel === 'whatsapp' ? `whatsapp:${e164}` : e164;
}
