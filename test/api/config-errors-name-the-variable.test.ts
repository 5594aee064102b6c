import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnv } from '../../lib/config/env.js';

describe('configuration from the environment', () => {
  it('names the missing variable', () => {
    expect(() => loadEnv({})).toThrowError(ConfigError);
    try {
      loadEnv({});
    } catch (err) {
      expect((err as ConfigError).problems.join('\n')).toMatch(/^DATABASE_URL: /m);
    }
  });

  it('names a malformed variable and says what is wrong', () => {
    const attempt = () => loadEnv({ DATABASE_URL: 'postgresql://x@h/db', API_PORT: 'eighty', TWILIO_ACCOUNT_SID: 'XX123', TWILIO_AUTH_TOKEN: 'a'.repeat(32) });
    expect(attempt).toThrowError(/API_PORT/);
    expect(attempt).toThrowError(/TWILIO_ACCOUNT_SID: must look like AC followed by 32 hex digits/);
  });

  it('requires Twilio master credentials as a pair', () => {
    expect(() => loadEnv({ DATABASE_URL: 'postgresql://x@h/db', TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}` })).toThrowError(
      /TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together/,
    );
  });

  it('fills defaults and treats empty strings as unset', () => {
    const env = loadEnv({ DATABASE_URL: 'postgresql://x@h/db', API_PORT: '', TWILIO_EMBEDDED_SIGNUP_ENABLED: 'yes' });
    expect(env.API_PORT).toBe(3000);
    expect(env.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
    expect(env.TWILIO_EMBEDDED_SIGNUP_ENABLED).toBe(true);
  });
});
