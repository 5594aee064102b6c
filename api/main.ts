import { ConfigError, loadEnv } from '../lib/config/env.js';
import { flushErrorTracking } from '../lib/error-tracking.js';
import { createPrismaClient } from '../lib/db/client.js';
import { closeSqlPool } from '../lib/db/sql.js';
import { lazyTemporalClient } from '../lib/temporal/client.js';
import { buildApi } from './app.js';
import { initApiErrorTracking } from './error-tracking.js';

/** Graceful shutdown's overall bound. */
const SHUTDOWN_DEADLINE_MS = 20_000;

// The API process: validates config, connects to Postgres and Temporal, serves HTTP until told to stop.
async function main(): Promise<void> {
  const env = loadEnv();
  // Before anything else runs: nothing is sent unless SENTRY_DSN is set.
  initApiErrorTracking(env);
  const prisma = createPrismaClient(env.DATABASE_URL);
  // Lazy: the API starts, and takes webhooks into the outbox, even while Temporal is down.
  const temporal = lazyTemporalClient(env);
  const app = await buildApi({ env, prisma, temporal });

  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    // In-flight requests get time to finish (an orchestrator waits about this long before SIGKILL); one that
    // does not (a slow upload, a hung dependency) must not keep the process up for ever.
    setTimeout(() => {
      app.log.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutdown deadline passed; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    await app.close();
    await closeSqlPool(prisma);
    await prisma.$disconnect();
    await temporal.connection.close();
    await flushErrorTracking();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ host: env.API_HOST, port: env.API_PORT });
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error('api failed to start:', err);
  process.exit(1);
});
