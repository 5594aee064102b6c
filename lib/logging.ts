import type { LoggerOptions } from 'pino';

/**
 * Structured logs never carry secrets: credentials, cookies and message bodies are redacted by path,
 * whatever code logs them.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-twilio-signature"]',
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.authToken',
  '*.apiKeySecret',
  '*.secret',
  '*.token',
];

export function loggerOptions(level: string): LoggerOptions {
  return { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
}
