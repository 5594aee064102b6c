import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { NativeConnection, Runtime, Worker, DefaultLogger, makeTelemetryFilterString } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { initApiErrorTracking } from '../../api/error-tracking.js';
import { HttpError } from '../../api/errors.js';
import { flushErrorTracking } from '../../lib/error-tracking.js';
import { connectTemporalClient } from '../../lib/temporal/client.js';
import { freePort } from '../../scripts/devstack/ports.js';
import { createActivities } from '../../worker/activities.js';
import { activityErrorTracking, isFinalFailure, STUCK_AFTER_ATTEMPTS } from '../../worker/error-tracking.js';
import { healthCheckWorkflowType } from '../../workflows/contracts/health-check.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { eventually } from '../support/eventually.js';
import { workflowBundle } from '../support/temporal.js';

/*
 * Error tracking end to end, through Sentry's real SDK and HTTP transport into a local ingest stand-in (it
 * speaks the envelope endpoint a DSN points at): an unexpected route error and a failed activity each
 * arrive once, with nothing secret in what was sent. The same worker serves the SDK's Prometheus metrics,
 * which count the failure under its workflow type.
 */
interface Received {
  type: string;
  payload: string;
}
const received: Received[] = [];
let ingest: Server;
let api: TestApi;
let apiUrl: string;
let metricsUrl: string;

const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;
const secrets = {
  openaiKey: `sk-proj-${randomBytes(24).toString('hex')}`,
  password: secret('pw'),
  session: secret('session'),
  bearer: secret('bearer'),
  token: secret('token'),
};
const events = () => received.filter((r) => r.type === 'event');
/** Events whose exception says this (the payload also carries source lines around the throw). */
const eventsAbout = (text: string) => events().filter((e) => (JSON.parse(e.payload) as { exception?: { values?: Array<{ value?: string }> } }).exception?.values?.some((v) => v.value?.includes(text)));

beforeAll(async () => {
  ingest = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      // An envelope: a header line, then (item header, item payload) pairs.
      const lines = text.split('\n');
      for (let i = 1; i + 1 < lines.length; i += 2) {
        const header = JSON.parse(lines[i]!) as { type: string };
        received.push({ type: header.type, payload: lines[i + 1]! });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => ingest.listen(0, '127.0.0.1', resolve));
  const dsn = `http://public@127.0.0.1:${(ingest.address() as AddressInfo).port}/7`;

  // This file's process: the SDK's runtime with Prometheus on a free port (as worker/main.ts does).
  const metricsPort = await freePort();
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'ERROR' }) },
      metrics: { prometheus: { bindAddress: `127.0.0.1:${metricsPort}` } },
    },
  });

  api = await startTestApi({ TEMPORAL_TASK_QUEUE: `sentry-${randomUUID()}`, SENTRY_DSN: dsn });
  expect(initApiErrorTracking(api.deps.env)).toBe(true);
  // Two routes for the test: one fails unexpectedly (with secrets in its message), one with a known 4xx.
  api.app.get('/api/test/boom', async () => {
    throw new Error(`provider call failed with ${secrets.openaiKey} password=${secrets.password}`);
  });
  api.app.get('/api/test/refused', async () => {
    throw new HttpError(409, 'nothing to do', 'conflict');
  });
  apiUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await api?.close();
  await new Promise((resolve) => ingest?.close(resolve));
});

describe('error tracking', () => {
  it('an unexpected route error reaches it exactly once, scrubbed; a 4xx does not', async () => {
    const headers = { cookie: `wara_session=${secrets.session}`, authorization: `Bearer ${secrets.bearer}`, 'x-csrf-token': secrets.token };
    const boom = await fetch(`${apiUrl}/api/test/boom?token=${secrets.token}`, { headers });
    expect(boom.status).toBe(500);
    expect(await boom.text()).not.toContain(secrets.openaiKey);
    expect((await fetch(`${apiUrl}/api/test/refused`, { headers })).status).toBe(409);
    expect((await fetch(`${apiUrl}/api/catalog/products`)).status).toBe(401);
    await flushErrorTracking();

    const routeEvents = await eventually(async () => {
      const found = eventsAbout('provider call failed');
      return found.length > 0 && found;
    }, 'the route error at the ingest', 15_000);
    await flushErrorTracking();
    expect(routeEvents).toHaveLength(1);
    expect([...eventsAbout('nothing to do'), ...eventsAbout('Please log in')]).toEqual([]);

    const event = JSON.parse(routeEvents[0]!.payload) as { tags?: Record<string, string>; request?: { url?: string; method?: string } };
    expect(event.tags?.service).toBe('api');
    expect(event.request?.method).toBe('GET');
    expect(event.request?.url).toContain('/api/test/boom');
    for (const [what, value] of Object.entries(secrets)) expect(routeEvents[0]!.payload, `${what} was sent`).not.toContain(value);
  });

  it('a failed activity reaches it exactly once (not once per attempt), scrubbed; the worker metrics count the failed workflow by type', async () => {
    const env = api.deps.env;
    const temporal = await connectTemporalClient(env);
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    const taskQueue = `sentry-worker-${randomUUID()}`;
    let attempts = 0;
    const activities = {
      ...createActivities({ env: { ...env, TEMPORAL_TASK_QUEUE: taskQueue }, prisma: api.prisma, temporal }),
      // The health check's first step, failing for good with a secret in its message.
      listHealthComponents: async (): Promise<string[]> => {
        attempts++;
        throw ApplicationFailure.nonRetryable(`database refused us: postgresql://wara:${secrets.password}@db/wara`, 'ProbeListFailed');
      },
    };
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowBundle: workflowBundle(),
      activities,
      interceptors: { activity: [activityErrorTracking()] },
    });
    let metrics: string;
    try {
      await worker.runUntil(async () => {
        const run = temporal.workflow.execute(healthCheckWorkflowType, { taskQueue, workflowId: `health-check:sentry:${randomUUID()}`, args: [{ trigger: 'manual', recheckAfterMs: 0 }] });
        await expect(run).rejects.toBeInstanceOf(WorkflowFailedError);
      });
      // The SDK's metrics, from this process's runtime (served while a connection keeps it alive, as the
      // worker process's does): the failure counted under its workflow and activity types.
      metrics = await eventually(async () => {
        const text = await (await fetch(metricsUrl)).text();
        return /temporal_workflow_failed\{[^}]*workflow_type="healthCheckWorkflow"[^}]*\} [1-9]/.test(text) && text;
      }, 'the workflow failure in the worker metrics', 15_000);
    } finally {
      await connection.close();
      await temporal.connection.close();
    }
    expect(metrics).toMatch(/temporal_activity_execution_failed\{[^}]*activity_type="listHealthComponents"[^}]*\} 1/);
    expect(attempts).toBe(1);
    await flushErrorTracking();
    const activityEvents = await eventually(async () => {
      const found = eventsAbout('database refused us');
      return found.length > 0 && found;
    }, 'the activity failure at the ingest', 15_000);
    expect(activityEvents).toHaveLength(1);
    const event = JSON.parse(activityEvents[0]!.payload) as { tags?: Record<string, string> };
    expect(event.tags).toMatchObject({ activityType: 'listHealthComponents', workflowType: 'healthCheckWorkflow' });
    expect(activityEvents[0]!.payload).toContain('postgresql://wara:[redacted]@db/wara');
    for (const [what, value] of Object.entries(secrets)) expect(activityEvents[0]!.payload, `${what} was sent`).not.toContain(value);

  });
});

describe('which activity failure is reported: the last one, not every retry', () => {
  const bounded = { maximumAttempts: 3, nonRetryableErrorTypes: ['IdentifierTaken'] };
  it.each([
    ['a retryable error on attempt 1 of 3', new Error('503'), { attempt: 1, retryPolicy: bounded }, false],
    ['a retryable error on attempt 3 of 3', new Error('503'), { attempt: 3, retryPolicy: bounded }, true],
    ['a non-retryable ApplicationFailure on attempt 1', ApplicationFailure.nonRetryable('refused', 'Refused'), { attempt: 1, retryPolicy: bounded }, true],
    ['an error type the policy will not retry', ApplicationFailure.retryable('taken', 'IdentifierTaken'), { attempt: 1, retryPolicy: bounded }, true],
    ['a cancellation', new CancelledFailure('cancelled'), { attempt: 3, retryPolicy: bounded }, false],
    ['unlimited retries, before the stuck mark', new Error('503'), { attempt: STUCK_AFTER_ATTEMPTS - 1, retryPolicy: {} }, false],
    ['unlimited retries, at the stuck mark (once)', new Error('503'), { attempt: STUCK_AFTER_ATTEMPTS, retryPolicy: {} }, true],
    ['unlimited retries, after the stuck mark', new Error('503'), { attempt: STUCK_AFTER_ATTEMPTS + 1, retryPolicy: {} }, false],
  ])('%s → reported: %s', (_what, err, info, reported) => {
    expect(isFinalFailure(err, info)).toBe(reported);
  });
});
