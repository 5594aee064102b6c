// npm run creds:test [-- twilio|openai|stripe|smtp|slack ...]
// npm run creds:test -- twilio --tenant TENANT_ID
// Tests the configured credentials, one line per provider: ok / failed / not configured, the time the
// provider took and its reason. Exit code 1 when any test failed ("not configured" is not a failure:
// Stripe, SMTP and Slack are optional), 2 on bad usage or configuration. Recorded in the audit trail.
// With --tenant, tests that shop's Twilio subaccount with the API key WARA stored for it (what the ops
// page's "test a shop" does); there a shop with nothing to test is a failure too (exit 1), since the
// question asked was whether that shop can send.
import { AUDIT_ACTIONS, writeAudit } from '../lib/audit.js';
import { ConfigError, type Env } from '../lib/config/env.js';
import { CREDENTIAL_PROVIDERS, type CredentialCheckResult, type CredentialProvider } from '../lib/credentials/checks.js';
import { testConfiguredCredentials, testTenantTwilio } from '../lib/credentials/suite.js';
import { tenantCredentialsFromKeys } from '../lib/crypto/tenant-credentials.js';
import { createPrismaClient } from '../lib/db/client.js';
import { commandUser, describeCliError, loadCliEnv } from './cli-env.js';

const USAGE = `usage: npm run creds:test [-- ${CREDENTIAL_PROVIDERS.join('|')} ...] or npm run creds:test -- twilio --tenant TENANT_ID`;

async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if ('error' in parsed) {
    console.error(`${parsed.error}; ${USAGE}`);
    return 2;
  }
  const { env, notes } = await loadCliEnv();
  for (const note of notes) console.log(`(${note})`);
  if (parsed.tenantId !== null) return testTenant(env, parsed.tenantId);
  const results = await testConfiguredCredentials(env, parsed.providers);
  for (const r of results) console.log(line(r));
  await record(env.DATABASE_URL, results, null);
  return results.some((r) => r.status === 'failed') ? 1 : 0;
}

type Args = { providers: CredentialProvider[]; tenantId: string | null } | { error: string };

function parseArgs(argv: string[]): Args {
  const providers: string[] = [];
  let tenantId: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--tenant' || arg.startsWith('--tenant=')) {
      const value = arg === '--tenant' ? argv[++i] : arg.slice('--tenant='.length);
      if (!value || value.startsWith('-')) return { error: '--tenant needs a tenant id' };
      tenantId = value;
    } else providers.push(arg);
  }
  const unknown = providers.filter((a) => !(CREDENTIAL_PROVIDERS as readonly string[]).includes(a));
  if (unknown.length > 0) return { error: `unknown provider ${unknown.join(', ')}` };
  if (tenantId !== null && providers.some((p) => p !== 'twilio')) return { error: 'only twilio can be tested for a tenant (its subaccount)' };
  return { providers: providers.length > 0 ? (providers as CredentialProvider[]) : [...CREDENTIAL_PROVIDERS], tenantId };
}

/** One shop's Twilio subaccount, as the ops page tests it. */
async function testTenant(env: Env, tenantId: string): Promise<number> {
  const prisma = createPrismaClient(env.DATABASE_URL, { max: 1 });
  let result: CredentialCheckResult | null;
  try {
    result = await testTenantTwilio(prisma, tenantCredentialsFromKeys(prisma, env.SECRETS_ENCRYPTION_KEYS), env, tenantId);
  } finally {
    await prisma.$disconnect();
  }
  if (!result) {
    console.error(`no tenant with id ${tenantId}`);
    return 2;
  }
  console.log(line(result));
  await record(env.DATABASE_URL, [result], tenantId);
  return result.status === 'ok' ? 0 : 1;
}

function line(r: CredentialCheckResult): string {
  const status = r.status === 'not_configured' ? 'not configured' : r.status;
  const latency = r.latencyMs === null ? '' : ` ${r.latencyMs} ms`;
  // Not configured: nothing was tested, so no target; the reason names what to set.
  const target = r.status === 'not_configured' ? '' : `${r.target}${r.reason ? ' — ' : ''}`;
  return `${r.provider.padEnd(7)} ${status.padEnd(14)}${latency.padEnd(9)} ${target}${r.reason ?? ''}`;
}

/**
 * The trail records every credential test (a shop's under that shop: it sees that WARA staff checked its
 * connection); a database that is down must not hide the results, though.
 */
async function record(databaseUrl: string, results: CredentialCheckResult[], tenantId: string | null): Promise<void> {
  const prisma = createPrismaClient(databaseUrl, { max: 1 });
  try {
    for (const r of results) {
      await writeAudit(prisma, {
        tenantId,
        actorType: 'system',
        action: AUDIT_ACTIONS.ops.credentialsTested,
        targetType: 'provider',
        targetId: r.provider,
        details: { target: r.target, status: r.status, latencyMs: r.latencyMs, temporary: false, via: 'cli', by: commandUser() },
      });
    }
  } catch (err) {
    console.error(`(not recorded in the audit log: ${describeCliError(err)})`);
  } finally {
    await prisma.$disconnect();
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : `credential test failed to run: ${describeCliError(err)}`);
    process.exitCode = 2;
  },
);
