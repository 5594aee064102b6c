// The environment of the operator commands (npm run operator / creds:test / alert:test): the process's own,
// plus `.env`, plus — on a development machine — what `npm run dev` would give its processes: the embedded
// database, the generated keys in .data/, and the local provider stand-ins when they are running. In
// production nothing is guessed: the commands read exactly what the services read.
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { loadEnv, type Env } from '../lib/config/env.js';
import { DEFAULT_FAKE_STRIPE_PORT } from '../fakes/stripe/defaults.js';
import { LOCAL_OPENAI_KEY, LOCAL_STRIPE, LOCAL_TWILIO } from './devstack/local-providers.js';

const ROOT = join(import.meta.dirname, '..');
const DEV_DATABASE_URL = 'postgresql://postgres:postgres@127.0.0.1:5433/wara';

export interface CliEnv {
  env: Env;
  /** What was filled in from the dev stack, to say so in the output. */
  notes: string[];
}

export async function loadCliEnv(): Promise<CliEnv> {
  if (existsSync(join(ROOT, '.env'))) process.loadEnvFile(join(ROOT, '.env'));
  const source: NodeJS.ProcessEnv = { ...process.env };
  const notes: string[] = [];
  if ((source.NODE_ENV ?? 'development') === 'development') {
    const data = source.WARA_DATA_DIR ?? join(ROOT, '.data');
    if (!source.DATABASE_URL) {
      source.DATABASE_URL = DEV_DATABASE_URL.replace(':5433/', `:${source.POSTGRES_PORT ?? 5433}/`);
      notes.push('database: the dev stack\'s embedded Postgres');
    }
    source.SECRETS_ENCRYPTION_KEYS ??= readIfExists(join(data, 'secrets-encryption-keys'));
    source.APP_SECRET ??= readIfExists(join(data, 'app-secret'));
    const twilioPort = Number(source.FAKE_TWILIO_PORT ?? 4010);
    if (!source.TWILIO_ACCOUNT_SID && (await listening(twilioPort))) {
      Object.assign(source, { TWILIO_ACCOUNT_SID: LOCAL_TWILIO.accountSid, TWILIO_AUTH_TOKEN: LOCAL_TWILIO.authToken, TWILIO_API_BASE_URL: `http://127.0.0.1:${twilioPort}` });
      notes.push(`twilio: the dev stack's local stand-in (port ${twilioPort})`);
    }
    const openaiPort = Number(source.FAKE_OPENAI_PORT ?? 4020);
    if (!source.OPENAI_API_KEY && (await listening(openaiPort))) {
      Object.assign(source, { OPENAI_API_KEY: LOCAL_OPENAI_KEY, OPENAI_BASE_URL: `http://127.0.0.1:${openaiPort}/v1` });
      notes.push(`openai: the dev stack's local stand-in (port ${openaiPort})`);
    }
    const stripePort = Number(source.FAKE_STRIPE_PORT ?? DEFAULT_FAKE_STRIPE_PORT);
    if (!source.STRIPE_SECRET_KEY && (await listening(stripePort))) {
      Object.assign(source, { STRIPE_SECRET_KEY: LOCAL_STRIPE.secretKey, STRIPE_API_BASE_URL: `http://127.0.0.1:${stripePort}` });
      notes.push(`stripe: the dev stack's local stand-in (port ${stripePort})`);
    }
  }
  return { env: loadEnv(source), notes };
}

function readIfExists(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(300, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Who ran the command, for the audit trail. */
export function commandUser(): string {
  return process.env.SUDO_USER ?? process.env.USER ?? process.env.USERNAME ?? 'unknown';
}

/** An error in one line a person can act on (Prisma's errors open with a blank line and a code frame). */
export function describeCliError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.split('\n').map((l) => l.trim()).filter(Boolean).at(-1) ?? 'unknown error';
  return /can't reach database|ECONNREFUSED/i.test(text) ? `${line} (is \`npm run dev\` running, or DATABASE_URL set?)` : line;
}
