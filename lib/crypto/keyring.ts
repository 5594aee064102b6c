// The master keys that encrypt tenant secrets at rest, named so they can rotate.
//
// Format (env `SECRETS_ENCRYPTION_KEYS`): `id:base64key,id:base64key,…`, each key exactly 32 bytes.
// The FIRST entry is the current key: new ciphertexts use it. The others only decrypt what was written
// with them until every row has been re-encrypted (`SecretBox.reencrypt`), after which they can go.

export const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export interface Keyring {
  currentKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

export class KeyringError extends Error {
  override readonly name = 'KeyringError';
}

/** Parses the env form; the messages never include key material. */
export function parseKeyring(spec: string): Keyring {
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (entries.length === 0) throw new KeyringError('no keys given; expected `id:base64key[,id:base64key…]`');
  const keys = new Map<string, Buffer>();
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new KeyringError(`entry ${index + 1} must look like id:base64key`);
    const id = entry.slice(0, colon);
    const encoded = entry.slice(colon + 1);
    if (!KEY_ID.test(id)) throw new KeyringError(`key id "${id}" may only use letters, digits, _ and - (max 32)`);
    if (keys.has(id)) throw new KeyringError(`key id "${id}" appears twice`);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new KeyringError(`key "${id}" is not base64`);
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== KEY_BYTES) throw new KeyringError(`key "${id}" must decode to ${KEY_BYTES} bytes, got ${key.length}`);
    keys.set(id, key);
  }
  return { currentKeyId: entries[0]!.slice(0, entries[0]!.indexOf(':')), keys };
}

/** The env form of one freshly generated key (dev stack, docs). */
export function formatKey(id: string, key: Buffer): string {
  if (!KEY_ID.test(id) || key.length !== KEY_BYTES) throw new KeyringError('invalid key id or length');
  return `${id}:${key.toString('base64')}`;
}
