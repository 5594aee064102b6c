import { hash, verify } from '@node-rs/argon2';

/**
 * Argon2id (the library's default algorithm) with OWASP's minimum profile: 19 MiB, 2 passes, 1 lane.
 * Memory-hard, so a leaked table is expensive to crack on GPUs.
 */
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 128;

/** The handful of passwords every credential-stuffing list starts with; length alone lets them through. */
const COMMON_PASSWORDS = new Set([
  'password123', 'password1234', '1234567890', '12345678910', 'qwertyuiop', 'iloveyou123',
  'letmein1234', 'welcome123', 'administrator', 'passw0rd123', 'qwerty12345', 'abcdefghij',
  '0123456789', '1111111111', 'aaaaaaaaaa', 'whatsapp123', 'changeme123',
]);

/**
 * Password rules in the NIST 800-63B spirit (length and a blocklist, no composition puzzles).
 * Returns the reasons a person can act on; an empty list means acceptable.
 */
export function passwordProblems(password: string, email?: string): string[] {
  const problems: string[] = [];
  if (password.length < PASSWORD_MIN_LENGTH) problems.push(`Use at least ${PASSWORD_MIN_LENGTH} characters.`);
  if (password.length > PASSWORD_MAX_LENGTH) problems.push(`Use at most ${PASSWORD_MAX_LENGTH} characters.`);
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) problems.push('This password is too common; choose something less guessable.');
  if (password.length >= PASSWORD_MIN_LENGTH && new Set(password).size < 4) {
    problems.push('Use more than three different characters.');
  }
  const local = email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && lower.includes(local)) problems.push('The password must not contain your email name.');
  return problems;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * A valid hash of a random string: verifying an unknown email against it costs the same time as a real
 * check, so response timing does not reveal which emails have accounts.
 */
let dummyHash: Promise<string> | null = null;
export async function burnVerifyTime(password: string): Promise<void> {
  dummyHash ??= hashPassword(`dummy-${Math.random()}`);
  await verifyPassword(await dummyHash, password);
}
