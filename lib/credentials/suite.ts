// Which credentials to test and with what: the configured ones (env), a tenant's Twilio subaccount (its
// stored API key), or temporary ones typed on the ops page (dev/staging). Shared by `npm run creds:test`
// and the operator endpoint, so both say the same thing.
import { z } from 'zod';
import type { Env } from '../config/env.js';
import type { TenantCredentials } from '../crypto/tenant-credentials.js';
import type { PrismaClient } from '../db/client.js';
import { CENSOR, scrubLogLine } from '../logging.js';
import {
  checkOpenAI,
  checkSlack,
  checkSmtp,
  checkStripe,
  checkTwilio,
  CREDENTIAL_PROVIDERS,
  notConfigured,
  type CredentialCheckResult,
  type CredentialProvider,
} from './checks.js';

export type CredentialEnv = Pick<
  Env,
  'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN' | 'TWILIO_API_BASE_URL' | 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'STRIPE_SECRET_KEY' | 'STRIPE_API_BASE_URL' | 'SMTP_URL' | 'SLACK_WEBHOOK_URL'
>;

export interface ConfiguredCredential {
  provider: CredentialProvider;
  configured: boolean;
  /** What would be tested, without any secret: an account SID, a host, an environment variable's name. */
  target: string;
}

const standIn = (url: string | undefined) => (url ? ` at ${new URL(url).host}` : '');

/** What is configured, for the ops page's list: never a secret, only where it points. */
export function configuredCredentials(env: CredentialEnv): ConfiguredCredential[] {
  const smtp = env.SMTP_URL ? new URL(env.SMTP_URL) : null;
  return [
    { provider: 'twilio', configured: Boolean(env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN), target: env.TWILIO_ACCOUNT_SID ? `master account ${env.TWILIO_ACCOUNT_SID}${standIn(env.TWILIO_API_BASE_URL)}` : 'TWILIO_ACCOUNT_SID' },
    { provider: 'openai', configured: Boolean(env.OPENAI_API_KEY), target: env.OPENAI_API_KEY ? `OPENAI_API_KEY${env.OPENAI_BASE_URL ? standIn(env.OPENAI_BASE_URL) : ' at api.openai.com'}` : 'OPENAI_API_KEY' },
    { provider: 'stripe', configured: Boolean(env.STRIPE_SECRET_KEY), target: env.STRIPE_SECRET_KEY ? `STRIPE_SECRET_KEY${env.STRIPE_API_BASE_URL ? standIn(env.STRIPE_API_BASE_URL) : ' at api.stripe.com'}` : 'STRIPE_SECRET_KEY' },
    { provider: 'smtp', configured: smtp !== null, target: smtp ? `${smtp.protocol.replace(':', '')}://${smtp.host}` : 'SMTP_URL' },
    { provider: 'slack', configured: Boolean(env.SLACK_WEBHOOK_URL), target: env.SLACK_WEBHOOK_URL ? `SLACK_WEBHOOK_URL at ${new URL(env.SLACK_WEBHOOK_URL).host}` : 'SLACK_WEBHOOK_URL' },
  ];
}

/**
 * Tests the configured credential of each provider asked for (all by default), in parallel. The provider's
 * answer is scrubbed of the configured secrets as it is for typed-in ones: a provider may quote a key back,
 * and the reason reaches the ops page, the CLI's output and the audit trail.
 */
export async function testConfiguredCredentials(env: CredentialEnv, providers: readonly CredentialProvider[] = CREDENTIAL_PROVIDERS): Promise<CredentialCheckResult[]> {
  const results = await checkConfiguredCredentials(env, providers);
  const secrets = configuredSecrets(env);
  return results.map((r) => (r.reason === null ? r : { ...r, reason: scrubSecrets(r.reason, secrets) }));
}

function checkConfiguredCredentials(env: CredentialEnv, providers: readonly CredentialProvider[]): Promise<CredentialCheckResult[]> {
  const listed = new Map(configuredCredentials(env).map((c) => [c.provider, c]));
  return Promise.all(
    providers.map((provider) => {
      const { target } = listed.get(provider)!;
      switch (provider) {
        case 'twilio':
          return env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN
            ? checkTwilio({ accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN, ...(env.TWILIO_API_BASE_URL ? { baseUrl: env.TWILIO_API_BASE_URL } : {}) }, target)
            : notConfigured('twilio', 'TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set');
        case 'openai':
          return env.OPENAI_API_KEY
            ? checkOpenAI({ apiKey: env.OPENAI_API_KEY, ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}) }, target)
            : notConfigured('openai', 'OPENAI_API_KEY is not set');
        case 'stripe':
          return env.STRIPE_SECRET_KEY
            ? checkStripe({ secretKey: env.STRIPE_SECRET_KEY, ...(env.STRIPE_API_BASE_URL ? { apiBaseUrl: env.STRIPE_API_BASE_URL } : {}) }, target)
            : notConfigured('stripe', 'STRIPE_SECRET_KEY is not set');
        case 'smtp':
          return env.SMTP_URL ? checkSmtp({ url: env.SMTP_URL }, target) : notConfigured('smtp', 'SMTP_URL is not set (emails are captured in the outbox)');
        case 'slack':
          return env.SLACK_WEBHOOK_URL ? checkSlack({ webhookUrl: env.SLACK_WEBHOOK_URL }, target) : notConfigured('slack', 'SLACK_WEBHOOK_URL is not set');
      }
    }),
  );
}

/**
 * A tenant's Twilio subaccount, with the API key WARA stored for it (decrypted here, for this call only):
 * the credential every send for that shop uses.
 */
export async function testTenantTwilio(
  prisma: PrismaClient,
  credentials: TenantCredentials | null,
  env: Pick<CredentialEnv, 'TWILIO_API_BASE_URL'>,
  tenantId: string,
): Promise<CredentialCheckResult | null> {
  const tenant = await prisma.tenant.findUnique({ where: { id: tenantId }, select: { name: true } });
  if (!tenant) return null;
  const account = await prisma.integrationAccount.findFirst({ where: { tenantId, provider: 'twilio', channel: 'whatsapp' } });
  const target = account?.subaccountSid ? `subaccount ${account.subaccountSid} of ${tenant.name}` : `${tenant.name}'s WhatsApp connection`;
  const unconfigured = (reason: string): CredentialCheckResult => ({ ...notConfigured('twilio', reason), target });
  if (!account?.subaccountSid) return unconfigured('this shop has no Twilio subaccount (WhatsApp was never connected)');
  if (!credentials) return unconfigured('SECRETS_ENCRYPTION_KEYS is not set: stored keys cannot be read');
  const apiKey = await credentials.loadApiKey({ tenantId, accountId: account.id });
  if (!apiKey) return unconfigured(`no stored API key (connection ${account.status})`);
  const result = await checkTwilio({ accountSid: account.subaccountSid, apiKey, ...(env.TWILIO_API_BASE_URL ? { baseUrl: env.TWILIO_API_BASE_URL } : {}) }, target);
  return { ...result, reason: result.reason === null ? null : scrubSecrets(result.reason, [apiKey.secret]) };
}

export const temporaryCredentialsSchema = z.discriminatedUnion('provider', [
  z.object({
    provider: z.literal('twilio'),
    accountSid: z.string().trim().regex(/^AC[0-9a-f]{32}$/, 'an account SID is AC followed by 32 hex digits'),
    authToken: z.string().trim().min(1, 'enter the auth token').max(200),
  }),
  z.object({ provider: z.literal('openai'), apiKey: z.string().trim().min(1, 'enter the API key').max(500) }),
  z.object({ provider: z.literal('stripe'), secretKey: z.string().trim().regex(/^(sk|rk)_(test|live)_\w+$/, 'a secret key starts with sk_test_ or sk_live_').max(500) }),
  z.object({ provider: z.literal('smtp'), url: z.url({ protocol: /^smtps?$/, error: 'an smtp:// or smtps:// URL' }).max(500) }),
  z.object({ provider: z.literal('slack'), webhookUrl: z.url({ protocol: /^https?$/, error: 'an https:// webhook URL' }).max(500) }),
]);
export type TemporaryCredentials = z.infer<typeof temporaryCredentialsSchema>;

/**
 * Tests credentials typed on the ops page against the endpoint WARA is configured to use (a stand-in in
 * development). They exist only for this call: never stored, never logged, and scrubbed from the
 * provider's answer before it is shown (a provider may quote part of a key back).
 */
export async function testTemporaryCredentials(env: CredentialEnv, temporary: TemporaryCredentials): Promise<CredentialCheckResult> {
  const target = 'temporary credentials (not saved)';
  let result: CredentialCheckResult;
  switch (temporary.provider) {
    case 'twilio':
      result = await checkTwilio({ accountSid: temporary.accountSid, authToken: temporary.authToken, ...(env.TWILIO_API_BASE_URL ? { baseUrl: env.TWILIO_API_BASE_URL } : {}) }, `${target}, account ${temporary.accountSid}`);
      break;
    case 'openai':
      result = await checkOpenAI({ apiKey: temporary.apiKey, ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}) }, target);
      break;
    case 'stripe':
      result = await checkStripe({ secretKey: temporary.secretKey, ...(env.STRIPE_API_BASE_URL ? { apiBaseUrl: env.STRIPE_API_BASE_URL } : {}) }, target);
      break;
    case 'smtp':
      result = await checkSmtp({ url: temporary.url }, `${target}, ${new URL(temporary.url).host}`);
      break;
    case 'slack':
      result = await checkSlack({ webhookUrl: temporary.webhookUrl }, target);
      break;
  }
  return { ...result, reason: result.reason === null ? null : scrubSecrets(result.reason, secretsOf(temporary)) };
}

function secretsOf(temporary: TemporaryCredentials): string[] {
  switch (temporary.provider) {
    case 'twilio':
      return [temporary.authToken];
    case 'openai':
      return [temporary.apiKey];
    case 'stripe':
      return [temporary.secretKey];
    case 'smtp':
      return smtpSecrets(temporary.url);
    case 'slack':
      return slackSecrets(temporary.webhookUrl);
  }
}

/** Every configured secret a provider could quote back (the SIDs and hosts are not secret). */
function configuredSecrets(env: CredentialEnv): string[] {
  return [
    env.TWILIO_AUTH_TOKEN,
    env.OPENAI_API_KEY,
    env.STRIPE_SECRET_KEY,
    ...(env.SMTP_URL ? smtpSecrets(env.SMTP_URL) : []),
    ...(env.SLACK_WEBHOOK_URL ? slackSecrets(env.SLACK_WEBHOOK_URL) : []),
  ].filter((s): s is string => typeof s === 'string' && s.length >= 4);
}

function smtpSecrets(smtpUrl: string): string[] {
  const url = new URL(smtpUrl);
  return [smtpUrl, decodeURIComponent(url.password), url.password].filter((s) => s.length >= 4);
}

function slackSecrets(webhookUrl: string): string[] {
  return [webhookUrl, new URL(webhookUrl).pathname].filter((s) => s.length > 1);
}

/**
 * Removes each secret from a provider's message, then anything that looks like a masked echo of a key
 * (`sk-proj-****abcd`: providers quote a key's ends back) and the shapes the log scrubber knows.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join(CENSOR);
  out = out.replace(/[\w-]*\*{3,}[\w-]*/g, CENSOR);
  // scrubLogLine works on a JSON line: wrap, scrub, unwrap.
  return (JSON.parse(scrubLogLine(JSON.stringify({ reason: out }))) as { reason: string }).reason;
}
