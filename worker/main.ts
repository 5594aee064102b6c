import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { ConfigError, loadEnv } from '../lib/config/env.js';
import { createPrismaClient } from '../lib/db/client.js';
import { closeSqlPool } from '../lib/db/sql.js';
import { connectTemporalClient } from '../lib/temporal/client.js';
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
  const client = await connectTemporalClient(env);
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });

  const worker = await Worker.create({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    workflowBundle: await loadWorkflowBundle(),
    activities: createActivities({ env, prisma, temporal: client }),
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

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error('worker failed:', err);
  process.exit(1);
});
