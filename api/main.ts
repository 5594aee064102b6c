import { ConfigError, loadEnv } from '../lib/config/env.js';
import { createPrismaClient } from '../lib/db/client.js';
import { closeSqlPool } from '../lib/db/sql.js';
import { connectTemporalClient } from '../lib/temporal/client.js';
import { buildApi } from './app.js';

// The API process: validates config, connects to Postgres and Temporal, serves HTTP until told to stop.
async function main(): Promise<void> {
  const env = loadEnv();
  const prisma = createPrismaClient(env.DATABASE_URL);
  const temporal = await connectTemporalClient(env);
  const app = await buildApi({ env, prisma, temporal });

  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await closeSqlPool(prisma);
    await prisma.$disconnect();
    await temporal.connection.close();
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
