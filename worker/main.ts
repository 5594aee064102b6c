import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { pino } from 'pino';
import { ConfigError, loadEnv } from '../lib/config/env.js';
import { workerMetricsAddress } from '../lib/config/ops.js';
import { flushErrorTracking, initErrorTracking } from '../lib/error-tracking.js';
import { loggerOptions } from '../lib/logging.js';
import { createPrismaClient } from '../lib/db/client.js';
import { closeSqlPool } from '../lib/db/sql.js';
import { lazyTemporalClient, temporalConnectionOptions } from '../lib/temporal/client.js';
import { createActivities } from './activities.js';
import { loadWorkflowBundle } from './bundle.js';
import { ensureSchedules } from './schedules.js';
import { activityErrorTracking } from './error-tracking.js';
import { broadcastTaskQueue } from '../workflows/contracts/broadcast.js';
import { temporalLogger, temporalLogLevel } from './temporal-logger.js';

// The worker process: runs every workflow and activity on the main task queue.
async function main(): Promise<void> {
  const env = loadEnv();
  // Nothing is sent unless SENTRY_DSN is set.
  const errorTracking = initErrorTracking(env, 'worker');
  // The SDK's own metrics (workflow and activity counts, failures per workflow type, task latencies, poller
  // state) on a Prometheus endpoint of the worker's: scrape it beside the API's /metrics (README).
  let metricsAddress = workerMetricsAddress(env);
  const logger = pino(loggerOptions(env.LOG_LEVEL));
  const installRuntime = (address: string | null) =>
    Runtime.install({
      // The SDK's own log (activity failures with their errors…) scrubbed like every other log line.
      logger: temporalLogger(logger, temporalLogLevel(env.LOG_LEVEL)),
      telemetryOptions: {
        logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) },
        ...(address ? { metrics: { prometheus: { bindAddress: address } } } : {}),
      },
    });
  try {
    installRuntime(metricsAddress);
  } catch (err) {
    if (!metricsAddress) throw err;
    // Metrics matter less than replies: a taken port (a second dev stack) must not stop the worker.
    logger.error({ err, address: metricsAddress }, 'worker metrics not served (WORKER_METRICS_ADDRESS)');
    metricsAddress = null;
    installRuntime(null);
  }
  const prisma = createPrismaClient(env.DATABASE_URL);
  const client = lazyTemporalClient(env);
  const connection = await untilConnected(() => NativeConnection.connect(temporalConnectionOptions(env)));

  const workflowBundle = await loadWorkflowBundle();
  const activities = createActivities({ env, prisma, temporal: client });
  const worker = await Worker.create({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    workflowBundle,
    activities,
    ...(errorTracking ? { interceptors: { activity: [activityErrorTracking()] } } : {}),
    maxConcurrentWorkflowTaskExecutions: env.WORKER_MAX_WORKFLOW_TASKS,
    maxConcurrentActivityTaskExecutions: env.WORKER_MAX_ACTIVITIES,
    // On SIGTERM, running activities get this long to finish before they are cancelled; a reply half-sent
    // is safe either way (its intent row makes the retry harmless), so the bound is about shutdown time.
    shutdownGraceTime: '15 seconds',
    shutdownForceTime: '25 seconds',
  });
  // Broadcasts on their own queue (README "Broadcasts on their own task queue"): their long batches never hold
  // the slots or sit in the backlog that replies need. A few at a time: each broadcast runs one batch at once.
  const broadcastWorker = await Worker.create({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: broadcastTaskQueue(env.TEMPORAL_TASK_QUEUE),
    workflowBundle,
    activities,
    maxConcurrentActivityTaskExecutions: 8,
    // A handful of broadcast runs at a time: one workflow thread and a small cache are plenty (memory).
    workflowThreadPoolSize: 1,
    maxCachedWorkflows: 100,
    ...(errorTracking ? { interceptors: { activity: [activityErrorTracking()] } } : {}),
    shutdownGraceTime: '15 seconds',
    shutdownForceTime: '25 seconds',
  });
  await ensureSchedules(client, env.TEMPORAL_TASK_QUEUE, { analyticsRefreshEverySeconds: env.ANALYTICS_REFRESH_INTERVAL_SECONDS });
  console.log(`worker polling task queues ${env.TEMPORAL_TASK_QUEUE} and ${broadcastTaskQueue(env.TEMPORAL_TASK_QUEUE)} on ${env.TEMPORAL_ADDRESS}`);
  if (metricsAddress) console.log(`worker metrics on http://${metricsAddress}/metrics`);

  // worker.run() resolves after SIGINT/SIGTERM: the SDK drains in-flight tasks first.
  await Promise.all([worker.run(), broadcastWorker.run()]);
  await closeSqlPool(prisma);
  await prisma.$disconnect();
  await client.connection.close();
  await connection.close();
  await flushErrorTracking();
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
