// AES-256-GCM tenant secrets: bound to tenant + name, tamper-evident, rotatable by key id.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../lib/config/env.js';
import { createSecretBox, formatKey, parseKeyring, SecretDecryptionError } from '../../lib/crypto/index.js';

const key = () => randomBytes(32);
const ctx = { tenantId: 'tenant-a', name: 'api_key_secret' };

describe('secret box', () => {
  const k1 = key();
  const box = createSecretBox(parseKeyring(formatKey('k1', k1)));

  it('round-trips, with a fresh IV each time and no plaintext in the output', () => {
    const a = box.encrypt('s3cr3t-value-0123456789', ctx);
    const b = box.encrypt('s3cr3t-value-0123456789', ctx);
    expect(a.keyId).toBe('k1');
    expect(Buffer.from(a.iv)).not.toEqual(Buffer.from(b.iv));
    expect(Buffer.from(a.ciphertext).toString('latin1')).not.toContain('s3cr3t');
    expect(box.decrypt(a, ctx)).toBe('s3cr3t-value-0123456789');
  });

  it('refuses a ciphertext moved to another tenant or secret name, or tampered with', () => {
    const sealed = box.encrypt('token', ctx);
    expect(() => box.decrypt(sealed, { ...ctx, tenantId: 'tenant-b' })).toThrow(SecretDecryptionError);
    expect(() => box.decrypt(sealed, { ...ctx, name: 'subaccount_auth_token' })).toThrow(SecretDecryptionError);
    const flipped = Buffer.from(sealed.ciphertext);
    flipped[0]! ^= 1;
    expect(() => box.decrypt({ ...sealed, ciphertext: flipped }, ctx)).toThrow('failed authentication');
  });

  it('rotates: the new current key encrypts, the old one still decrypts until re-encrypted', () => {
    const old = box.encrypt('rotate me', ctx);
    const rotated = createSecretBox(parseKeyring(`${formatKey('k2', key())},${formatKey('k1', k1)}`));
    expect(rotated.currentKeyId).toBe('k2');
    expect(rotated.isStale(old)).toBe(true);
    expect(rotated.decrypt(old, ctx)).toBe('rotate me');
    const fresh = rotated.reencrypt(old, ctx);
    expect(fresh.keyId).toBe('k2');
    expect(rotated.isStale(fresh)).toBe(false);
    // Once k1 is retired, only re-encrypted values remain readable.
    const k2Only = createSecretBox(parseKeyring(formatKey('k2', key())));
    expect(() => k2Only.decrypt(old, ctx)).toThrow(/no key "k1"/);
  });
});

describe('keyring configuration', () => {
  it('rejects malformed specs without echoing key material', () => {
    const short = Buffer.alloc(16, 7).toString('base64');
    expect(() => parseKeyring('')).toThrow(/no keys/);
    expect(() => parseKeyring(short)).toThrow(/id:base64key/);
    const err = (() => {
      try {
        parseKeyring(`k1:${short}`);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toMatch(/32 bytes, got 16/);
    expect(err?.message).not.toContain(short);
    expect(() => parseKeyring(`k1:${key().toString('base64')},k1:${key().toString('base64')}`)).toThrow(/twice/);
  });

  it('is validated at start-up and required in production', () => {
    const base = { DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/db' };
    expect(() => loadEnv({ ...base, SECRETS_ENCRYPTION_KEYS: 'k1:nope' })).toThrow(/SECRETS_ENCRYPTION_KEYS/);
    expect(() => loadEnv({ ...base, NODE_ENV: 'production' })).toThrow(/SECRETS_ENCRYPTION_KEYS is required/);
    expect(loadEnv({ ...base, SECRETS_ENCRYPTION_KEYS: formatKey('k1', key()) }).SECRETS_ENCRYPTION_KEYS).toMatch(/^k1:/);
  });
});
