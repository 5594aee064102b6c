// AES-256-GCM for tenant secrets (Twilio API key secrets, subaccount auth tokens).
//
// Each ciphertext records the id of the key that made it (rotation) and is bound to where it belongs by
// the additional authenticated data: tenant id + secret name. A row copied to another tenant, or an API
// key secret pasted into the auth-token slot, fails authentication instead of decrypting.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from './keyring.js';

const ALGORITHM = 'aes-256-gcm';
/** 96-bit IVs are GCM's native size; random IVs are safe far beyond the number of secrets we will hold. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const AAD_VERSION = 'wara-secret-v1';

export interface EncryptedValue {
  keyId: string;
  iv: Uint8Array;
  ciphertext: Uint8Array;
  authTag: Uint8Array;
}

/** What a ciphertext is bound to; both parts must match at decryption. */
export interface SecretContext {
  tenantId: string;
  name: string;
}

export class SecretDecryptionError extends Error {
  override readonly name = 'SecretDecryptionError';
}

export interface SecretBox {
  readonly currentKeyId: string;
  encrypt(plaintext: string, context: SecretContext): EncryptedValue;
  decrypt(value: EncryptedValue, context: SecretContext): string;
  /** True when the value was written with an older key and should be re-encrypted. */
  isStale(value: Pick<EncryptedValue, 'keyId'>): boolean;
  /** Decrypts with whichever key made it and encrypts again with the current key. */
  reencrypt(value: EncryptedValue, context: SecretContext): EncryptedValue;
}

function aad({ tenantId, name }: SecretContext): Buffer {
  // Length-prefixed so ("a|b", "c") and ("a", "b|c") can never produce the same bytes.
  return Buffer.from(JSON.stringify([AAD_VERSION, tenantId, name]), 'utf8');
}

export function createSecretBox(keyring: Keyring): SecretBox {
  const keyFor = (id: string): Buffer => {
    const key = keyring.keys.get(id);
    if (!key) throw new SecretDecryptionError(`no key "${id}" in the keyring (was it removed before re-encryption?)`);
    return key;
  };

  const box: SecretBox = {
    currentKeyId: keyring.currentKeyId,

    encrypt(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, keyFor(keyring.currentKeyId), iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad(context));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return { keyId: keyring.currentKeyId, iv, ciphertext, authTag: cipher.getAuthTag() };
    },

    decrypt(value, context) {
      if (value.iv.length !== IV_BYTES || value.authTag.length !== TAG_BYTES) {
        throw new SecretDecryptionError('malformed ciphertext (iv or tag length)');
      }
      const decipher = createDecipheriv(ALGORITHM, keyFor(value.keyId), value.iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(context));
      decipher.setAuthTag(value.authTag);
      try {
        return Buffer.concat([decipher.update(value.ciphertext), decipher.final()]).toString('utf8');
      } catch {
        // Deliberately vague: wrong key, wrong tenant/name binding and tampering look the same.
        throw new SecretDecryptionError(`secret "${context.name}" failed authentication`);
      }
    },

    isStale: (value) => value.keyId !== keyring.currentKeyId,

    reencrypt(value, context) {
      return box.encrypt(box.decrypt(value, context), context);
    },
  };
  return box;
}
