// Key rotation, all at once: every tenant secret still under an older key is re-encrypted under the current
// one. Reads re-encrypt lazily too (tenant-credentials.ts), but a secret nobody reads would keep the old key
// alive for ever; after this, the old key can leave SECRETS_ENCRYPTION_KEYS.
// Each row is rewritten with a CONDITIONAL update (same id, same key id, same ciphertext as read): a secret
// changed meanwhile (a reconnect stored a new key) is left as the writer left it, never overwritten with
// the stale value this run decrypted.
import type { PrismaClient } from '../db/client.js';
import { SecretDecryptionError, type SecretBox } from './secret-box.js';

export interface RotationReport {
  examined: number;
  reencrypted: number;
  /** Changed by someone else between read and write: already current or rewritten by its owner. */
  skipped: number;
  /** Under a key the ring no longer has (or tampered with): left as they are, listed for ops. */
  unreadable: string[];
}

export interface RotationOptions {
  batchSize?: number;
  /** Called between reading a row and rewriting it: where a concurrent write lands (tests use it to race one). */
  beforeRewrite?: (row: { id: string; tenantId: string; accountId: string }) => Promise<void>;
}

export async function reencryptStaleSecrets(prisma: PrismaClient, box: SecretBox, options: RotationOptions = {}): Promise<RotationReport> {
  const batchSize = options.batchSize ?? 200;
  const report: RotationReport = { examined: 0, reencrypted: 0, skipped: 0, unreadable: [] };
  let cursor: string | undefined;
  for (;;) {
    const rows = await prisma.encryptedSecret.findMany({
      orderBy: { id: 'asc' },
      take: batchSize,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
    if (rows.length === 0) return report;
    cursor = rows[rows.length - 1]!.id;
    for (const row of rows) {
      report.examined += 1;
      const value = { keyId: row.keyId, iv: row.iv, ciphertext: row.ciphertext, authTag: row.authTag };
      if (!box.isStale(value)) continue;
      let sealed;
      try {
        sealed = box.reencrypt(value, { tenantId: row.tenantId, name: row.name });
      } catch (err) {
        if (!(err instanceof SecretDecryptionError)) throw err;
        report.unreadable.push(row.id);
        continue;
      }
      await options.beforeRewrite?.(row);
      const { count } = await prisma.encryptedSecret.updateMany({
        where: { id: row.id, keyId: row.keyId, ciphertext: row.ciphertext },
        data: { keyId: sealed.keyId, iv: Buffer.from(sealed.iv), ciphertext: Buffer.from(sealed.ciphertext), authTag: Buffer.from(sealed.authTag) },
      });
      if (count === 1) report.reencrypted += 1;
      else report.skipped += 1;
    }
  }
}
