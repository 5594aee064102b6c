// A tenant's Twilio credentials, encrypted at rest in `encrypted_secrets` and only ever decrypted in the
// process that uses them (activities, webhook verification). Never returned to the browser, never logged,
// never passed through workflow history: callers pass the account id and get a client-ready secret.
import type { PrismaClient } from '../db/client.js';
import { parseKeyring } from './keyring.js';
import { createSecretBox, type EncryptedValue, type SecretBox } from './secret-box.js';

export const SECRET_NAMES = {
  apiKeySecret: 'api_key_secret',
  subaccountAuthToken: 'subaccount_auth_token',
} as const;
export type SecretName = (typeof SECRET_NAMES)[keyof typeof SECRET_NAMES];

export interface AccountRef {
  tenantId: string;
  /** IntegrationAccount.id */
  accountId: string;
}

export interface TenantCredentials {
  /** Stores the key secret and records its sid on the account in one transaction ("stored before use"). */
  storeApiKey(ref: AccountRef, apiKey: { sid: string; secret: string }): Promise<void>;
  loadApiKey(ref: AccountRef): Promise<{ sid: string; secret: string } | null>;
  /** Forgets the key (after it was revoked at Twilio). */
  forgetApiKey(ref: AccountRef): Promise<void>;
  storeAuthToken(ref: AccountRef, authToken: string): Promise<void>;
  loadAuthToken(ref: AccountRef): Promise<string | null>;
}

export function createTenantCredentials(prisma: PrismaClient, box: SecretBox): TenantCredentials {
  const write = (db: Pick<PrismaClient, 'encryptedSecret'>, ref: AccountRef, name: SecretName, plaintext: string) => {
    const sealed = box.encrypt(plaintext, { tenantId: ref.tenantId, name });
    const data = {
      keyId: sealed.keyId,
      iv: Buffer.from(sealed.iv),
      ciphertext: Buffer.from(sealed.ciphertext),
      authTag: Buffer.from(sealed.authTag),
    };
    return db.encryptedSecret.upsert({
      where: { accountId_name: { accountId: ref.accountId, name } },
      create: { tenantId: ref.tenantId, accountId: ref.accountId, name, ...data },
      update: data,
    });
  };

  const read = async (ref: AccountRef, name: SecretName): Promise<string | null> => {
    const row = await prisma.encryptedSecret.findUnique({ where: { accountId_name: { accountId: ref.accountId, name } } });
    // The tenant check is belt and braces: the AAD binding would reject a foreign row anyway.
    if (!row || row.tenantId !== ref.tenantId) return null;
    const value: EncryptedValue = { keyId: row.keyId, iv: row.iv, ciphertext: row.ciphertext, authTag: row.authTag };
    const plaintext = box.decrypt(value, { tenantId: ref.tenantId, name });
    // Lazy rotation: a secret read under an old key is rewritten under the current one.
    if (box.isStale(value)) await write(prisma, ref, name, plaintext);
    return plaintext;
  };

  return {
    async storeApiKey(ref, apiKey) {
      await prisma.$transaction(async (tx) => {
        await write(tx, ref, SECRET_NAMES.apiKeySecret, apiKey.secret);
        await tx.integrationAccount.update({ where: { id: ref.accountId, tenantId: ref.tenantId }, data: { apiKeySid: apiKey.sid } });
      });
    },
    async loadApiKey(ref) {
      const account = await prisma.integrationAccount.findFirst({ where: { id: ref.accountId, tenantId: ref.tenantId } });
      if (!account?.apiKeySid) return null;
      const secret = await read(ref, SECRET_NAMES.apiKeySecret);
      return secret === null ? null : { sid: account.apiKeySid, secret };
    },
    async forgetApiKey(ref) {
      await prisma.$transaction([
        prisma.encryptedSecret.deleteMany({ where: { accountId: ref.accountId, tenantId: ref.tenantId, name: SECRET_NAMES.apiKeySecret } }),
        prisma.integrationAccount.updateMany({ where: { id: ref.accountId, tenantId: ref.tenantId }, data: { apiKeySid: null } }),
      ]);
    },
    async storeAuthToken(ref, authToken) {
      await write(prisma, ref, SECRET_NAMES.subaccountAuthToken, authToken);
    },
    loadAuthToken: (ref) => read(ref, SECRET_NAMES.subaccountAuthToken),
  };
}

/**
 * The tenant credentials store from configuration (keyring → secret box → store), or null when no keys are
 * configured: callers then refuse what needs a tenant secret instead of guessing. Built once per process.
 */
export function tenantCredentialsFromKeys(prisma: PrismaClient, keysSpec: string | undefined): TenantCredentials | null {
  return keysSpec ? createTenantCredentials(prisma, createSecretBox(parseKeyring(keysSpec))) : null;
}
