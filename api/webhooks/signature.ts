// Twilio signs each webhook with the account's auth token over the exact URL it called (ours, as published
// in SERVER_PUBLIC_URL, so a proxy in front cannot break it) plus every POST parameter. The SDK's own
// validateRequest checks it, including Twilio's with/without-port variants.
import type { FastifyRequest } from 'fastify';
import twilio from 'twilio';

export type FormParams = Record<string, string | string[]>;

/** The URL Twilio signed: our public base + the path and query exactly as received (`request.url`). */
export function signedUrl(publicBaseUrl: string, pathAndQuery: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}${pathAndQuery}`;
}

export function signatureOf(request: FastifyRequest): string | null {
  const header = request.headers['x-twilio-signature'];
  const value = Array.isArray(header) ? header[0] : header;
  return value && value.length > 0 ? value : null;
}

export function verifyTwilioSignature(authToken: string, signature: string, url: string, params: FormParams): boolean {
  return twilio.validateRequest(authToken, signature, url, params);
}
