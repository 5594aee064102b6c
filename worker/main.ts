import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { ConfigError, loadEnv } from '../lib/config/env.js';
import { createPrismaClient } from '../lib/db/client.js';
import { closeSqlPool } from '../lib/db/sql.js';
import { lazyTemporalClient, temporalConnectionOptions } from '../lib/temporal/client.js';
import { createActivities } from './activities.js';
import { loadWorkflowBundle } from './bundle.js';
import { ensureSchedules } from './schedules.js';

// The worker process: runs every workflow and activity on the main task queue.
async function main(): Promise<void> {
  const env = loadEnv();
  Runtime.install({
    telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) } },
  });
  const prisma = createPrismaClient(env.DATABASE_URL);
  const client = lazyTemporalClient(env);
  const connection = await untilConnected(() => NativeConnection.connect(temporalConnectionOptions(env)));

  const worker = await Worker.create({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    workflowBundle: await loadWorkflowBundle(),
    activities: createActivities({ env, prisma, temporal: client }),
    // On SIGTERM, running activities get this long to finish before they are cancelled; a reply half-sent
    // is safe either way (its intent row makes the retry harmless), so the bound is about shutdown time.
    shutdownGraceTime: '15 seconds',
    shutdownForceTime: '25 seconds',
  });
  await ensureSchedules(client, env.TEMPORAL_TASK_QUEUE);
  console.log(`worker polling task queue ${env.TEMPORAL_TASK_QUEUE} on ${env.TEMPORAL_ADDRESS}`);

  // worker.run() resolves after SIGINT/SIGTERM: the SDK drains in-flight tasks first.
  await worker.run();
  await closeSqlPool(prisma);
  await prisma.$disconnect();
  await client.connection.close();
  await connection.close();
}

/**
 * The first connection, retried: a worker that starts while Temporal is (re)starting waits for it instead
 * of exiting (once connected, the SDK itself rides out server restarts).
 */
async function untilConnected<T>(connect: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect();
    } catch (err) {
      if (attempt === 1 || attempt % 10 === 0) console.error(`temporal not reachable yet (attempt ${attempt}): ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * attempt)));
    }
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error('worker failed:', err);
  process.exit(1);
});
