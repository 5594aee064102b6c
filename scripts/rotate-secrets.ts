// npm run secrets:rotate — after prepending a new key to SECRETS_ENCRYPTION_KEYS (`new:<b64>,old:<b64>`),
// re-encrypts every tenant secret still under an older key; then the old key can be removed.
import { ConfigError, loadEnv } from '../lib/config/env.js';
import { parseKeyring } from '../lib/crypto/keyring.js';
import { reencryptStaleSecrets } from '../lib/crypto/rotate.js';
import { createSecretBox } from '../lib/crypto/secret-box.js';
import { createPrismaClient } from '../lib/db/client.js';

try {
  const env = loadEnv();
  if (!env.SECRETS_ENCRYPTION_KEYS) throw new ConfigError(['SECRETS_ENCRYPTION_KEYS is not set: nothing to rotate with']);
  const keyring = parseKeyring(env.SECRETS_ENCRYPTION_KEYS);
  const prisma = createPrismaClient(env.DATABASE_URL, { max: 2 });
  try {
    const report = await reencryptStaleSecrets(prisma, createSecretBox(keyring));
    console.log(`secrets examined ${report.examined}, re-encrypted under "${keyring.currentKeyId}" ${report.reencrypted}, changed meanwhile (left as written) ${report.skipped}`);
    if (report.unreadable.length > 0) console.log(`unreadable with this keyring (a removed key?), left as they are: ${report.unreadable.join(', ')}`);
    const stale = await prisma.encryptedSecret.count({ where: { NOT: { keyId: keyring.currentKeyId } } });
    console.log(stale === 0 ? 'every secret is under the current key: older keys may now be removed' : `${stale} secrets still under an older key: run again`);
    process.exitCode = stale === 0 ? 0 : 1;
  } finally {
    await prisma.$disconnect();
  }
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 2;
}
