import { NativeConnection, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import type { Env } from '../../lib/config/env.js';
import { createPrismaClient } from '../../lib/db/client.js';
import { closeSqlPool } from '../../lib/db/sql.js';
import { connectTemporalClient } from '../../lib/temporal/client.js';
import { createActivities } from '../../worker/activities.js';
import { quietTemporalRuntime, workflowBundle } from './temporal.js';

export interface TestWorker {
  worker: Worker;
  stop(): Promise<void>;
}

/**
 * The production composition (every workflow, every real activity) on the shared dev server, polling
 * the env's task queue. Give each test file its own TEMPORAL_TASK_QUEUE so files never share tasks.
 */
export async function startTestWorker(env: Env): Promise<TestWorker> {
  quietTemporalRuntime();
  const prisma = createPrismaClient(env.DATABASE_URL, { max: 4 });
  const temporal = await connectTemporalClient(env);
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker = await Worker.create({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    workflowBundle: workflowBundle(),
    activities: createActivities({ env, prisma, temporal }),
  });
  const running = worker.run();
  return {
    worker,
    stop: async () => {
      worker.shutdown();
      await running;
      await connection.close();
      await temporal.connection.close();
      await closeSqlPool(prisma);
      await prisma.$disconnect();
    },
  };
}
