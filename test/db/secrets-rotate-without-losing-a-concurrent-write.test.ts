import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox, createTenantCredentials, formatKey, parseKeyring } from '../../lib/crypto/index.js';
import { reencryptStaleSecrets } from '../../lib/crypto/rotate.js';
import { signUp, startTestApi, type TestApi } from '../support/api.js';

/**
 * `npm run secrets:rotate`: every tenant secret under an older key is re-encrypted under the current one,
 * with a conditional update, so a secret rewritten meanwhile (a reconnect storing a new token) is never
 * overwritten with the stale value the rotation had decrypted.
 */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => api?.close());

describe('key rotation', () => {
  it('re-encrypts stale secrets under the new key and leaves one rewritten meanwhile as its writer left it', async () => {
    const k1 = formatKey('k1', randomBytes(32));
    const newBox = createSecretBox(parseKeyring(`${formatKey('k2', randomBytes(32))},${k1}`));
    const [one, two] = await Promise.all([signUp(api.app), signUp(api.app)]);
    const refs = await Promise.all(
      [one!, two!].map(async (s) => ({ tenantId: s.tenantId, accountId: (await api.prisma.integrationAccount.create({ data: { tenantId: s.tenantId, status: 'connected' } })).id })),
    );
    const before = createTenantCredentials(api.prisma, createSecretBox(parseKeyring(k1)));
    await before.storeAuthToken(refs[0]!, 'token-of-shop-one-000000');
    await before.storeAuthToken(refs[1]!, 'token-of-shop-two-000000');
    const after = createTenantCredentials(api.prisma, newBox);

    const report = await reencryptStaleSecrets(api.prisma, newBox, {
      batchSize: 1,
      // Shop two reconnects between the rotation's read of its token and the rewrite.
      beforeRewrite: async (row) => {
        if (row.accountId === refs[1]!.accountId) await after.storeAuthToken(refs[1]!, 'new-token-from-reconnect');
      },
    });

    // Other test files' secrets (other keyrings) may share this database: they count as unreadable here.
    expect(report).toMatchObject({ reencrypted: 1, skipped: 1 });
    expect(await after.loadAuthToken(refs[0]!)).toBe('token-of-shop-one-000000');
    expect(await after.loadAuthToken(refs[1]!)).toBe('new-token-from-reconnect');
    for (const ref of refs) {
      expect((await api.prisma.encryptedSecret.findFirstOrThrow({ where: { accountId: ref.accountId } })).keyId).toBe('k2');
    }
  });
});
