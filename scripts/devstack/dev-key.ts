// The local run's master key for tenant secrets: generated once and kept in .data/ (git-ignored), so a
// restarted dev stack can still decrypt what it stored. Never used when SECRETS_ENCRYPTION_KEYS is set.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatKey, KEY_BYTES, parseKeyring } from '../../lib/crypto/keyring.js';

export function loadOrCreateDevKeyring(file: string): string {
  if (existsSync(file)) {
    const spec = readFileSync(file, 'utf8').trim();
    parseKeyring(spec); // a damaged file should stop the run here, not at the first decrypt
    return spec;
  }
  mkdirSync(dirname(file), { recursive: true });
  const spec = formatKey('dev1', randomBytes(KEY_BYTES));
  writeFileSync(file, `${spec}\n`, { mode: 0o600 });
  return spec;
}

/** The local run's APP_SECRET (signs verification links), kept beside the keyring for the same reason. */
export function loadOrCreateDevSecret(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
