// npm run creds:test [-- twilio|openai|stripe|smtp|slack ...]
// Tests the configured credentials, one line per provider: ok / failed / not configured, the time the
// provider took and its reason. Exit code 1 when any test failed ("not configured" is not a failure:
// Stripe, SMTP and Slack are optional), 2 on bad usage or configuration. Recorded in the audit trail.
import { AUDIT_ACTIONS, writeAudit } from '../lib/audit.js';
import { ConfigError } from '../lib/config/env.js';
import { CREDENTIAL_PROVIDERS, type CredentialCheckResult, type CredentialProvider } from '../lib/credentials/checks.js';
import { testConfiguredCredentials } from '../lib/credentials/suite.js';
import { createPrismaClient } from '../lib/db/client.js';
import { commandUser, describeCliError, loadCliEnv } from './cli-env.js';

async function main(args: string[]): Promise<number> {
  const unknown = args.filter((a) => !(CREDENTIAL_PROVIDERS as readonly string[]).includes(a));
  if (unknown.length > 0) {
    console.error(`unknown provider ${unknown.join(', ')}; usage: npm run creds:test [-- ${CREDENTIAL_PROVIDERS.join('|')} ...]`);
    return 2;
  }
  const providers = args.length > 0 ? (args as CredentialProvider[]) : [...CREDENTIAL_PROVIDERS];
  const { env, notes } = await loadCliEnv();
  for (const note of notes) console.log(`(${note})`);
  const results = await testConfiguredCredentials(env, providers);
  for (const r of results) console.log(line(r));
  await record(env.DATABASE_URL, results);
  return results.some((r) => r.status === 'failed') ? 1 : 0;
}

function line(r: CredentialCheckResult): string {
  const status = r.status === 'not_configured' ? 'not configured' : r.status;
  const latency = r.latencyMs === null ? '' : ` ${r.latencyMs} ms`;
  // Not configured: nothing was tested, so no target; the reason names what to set.
  const target = r.status === 'not_configured' ? '' : `${r.target}${r.reason ? ' — ' : ''}`;
  return `${r.provider.padEnd(7)} ${status.padEnd(14)}${latency.padEnd(9)} ${target}${r.reason ?? ''}`;
}

/** The trail records every credential test; a database that is down must not hide the results, though. */
async function record(databaseUrl: string, results: CredentialCheckResult[]): Promise<void> {
  const prisma = createPrismaClient(databaseUrl, { max: 1 });
  try {
    for (const r of results) {
      await writeAudit(prisma, {
        tenantId: null,
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
