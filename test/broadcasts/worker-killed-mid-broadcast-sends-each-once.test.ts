// The worker process is SIGKILLed in the middle of a 1,000-recipient broadcast and started again: every recipient
// gets exactly one message on the Twilio stand-in, none twice, none missing. Real everything: the production
// worker (worker/main.ts, both task queues) as a child process, the Temporal dev server, Postgres, the API
// receiving Twilio's status callbacks (which record the sid of a send whose answer died with the worker), and
// the stand-in enforcing a send rate limit a burst would trip.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startFakeTwilio, type FakeTwilio } from '../../fakes/twilio/server.js';
import { workflowIds } from '../../lib/temporal/names.js';
import { ManagedProcess } from '../../scripts/chaos/processes.js';
import { broadcastTaskQueue, broadcastWorkflowType, type BroadcastWorkflow } from '../../workflows/contracts/broadcast.js';
import { startTestApi, TEST_APP_SECRET, type TestApi } from '../support/api.js';
import { eventually } from '../support/eventually.js';
import { MASTER_SID, MASTER_TOKEN, sentPerRecipient, startBroadcastHarness, type BroadcastHarness } from './harness.js';

const RECIPIENTS = 1_000;
const RATE = 100;
const ROOT = path.resolve(import.meta.dirname, '../..');

let fake: FakeTwilio;
let api: TestApi;
let h: BroadcastHarness;
let worker: ManagedProcess;
let connection: Connection;
let client: Client;
const taskQueue = `broadcasts-kill-${randomUUID()}`;

beforeAll(async () => {
  // A limit a little above the rate: sends bunched up instead of spaced would be refused with 429.
  fake = await startFakeTwilio({ masterAccountSid: MASTER_SID, masterAuthToken: MASTER_TOKEN, config: { messageStatusDelayMs: 20, sendRateLimitPerSecond: RATE * 1.5 } });
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const secretsKeys = `kill:${randomBytes(32).toString('base64')}`;
  api = await startTestApi({
    TEMPORAL_TASK_QUEUE: taskQueue,
    SERVER_PUBLIC_URL: publicUrl,
    TWILIO_ACCOUNT_SID: MASTER_SID,
    TWILIO_AUTH_TOKEN: MASTER_TOKEN,
    TWILIO_API_BASE_URL: fake.url,
    SECRETS_ENCRYPTION_KEYS: secretsKeys,
    RELAY_THREAD: 'false',
    WEBHOOK_RATE_LIMIT_PER_MINUTE: '100000',
  });
  await api.app.listen({ host: '127.0.0.1', port });
  h = await startBroadcastHarness({ fake, publicUrl, secretsKeys });
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  worker = new ManagedProcess({
    name: 'worker',
    command: process.execPath,
    args: ['--import', 'tsx', 'worker/main.ts'],
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: inject('databaseUrl'),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
      SERVER_PUBLIC_URL: publicUrl,
      TWILIO_ACCOUNT_SID: MASTER_SID,
      TWILIO_AUTH_TOKEN: MASTER_TOKEN,
      TWILIO_API_BASE_URL: fake.url,
      SECRETS_ENCRYPTION_KEYS: secretsKeys,
      APP_SECRET: TEST_APP_SECRET,
      // A send unanswered for 2 s has landed or never will: a killed batch is looked up after 4 s, not 20.
      TWILIO_SEND_TIMEOUT_MS: '2000',
      WORKER_METRICS_ADDRESS: 'off',
    },
    logFile: path.join(mkdtempSync(path.join(tmpdir(), 'wara-broadcast-kill-')), 'worker.log'),
    ready: (pid) => polls(broadcastTaskQueue(taskQueue), `${pid}@${hostname()}`),
    readyTimeoutMs: 60_000,
    clock: () => Date.now(),
  });
});

afterAll(async () => {
  await worker?.close();
  await h?.close();
  await api?.close();
  await fake?.close();
  await connection?.close();
});

/** The worker is ready when this very process polls the broadcasts queue (pollers are named `pid@host`). */
async function polls(queue: string, identity: string): Promise<boolean> {
  const res = await connection.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: queue }, taskQueueType: 1 });
  return (res.pollers ?? []).some((p) => p.identity === identity);
}

describe('a worker killed mid-broadcast', () => {
  it('1,000 recipients: after kill -9 and a restart, each got exactly one message', async () => {
    const shop = await h.connectShop({ label: 'kill' });
    const customers = await h.addCustomers(shop, 'whatsapp', RECIPIENTS);
    const id = await h.createBroadcast(shop, { channel: 'whatsapp', ratePerSecond: RATE });
    await worker.start();

    const handle = await client.workflow.start<BroadcastWorkflow>(broadcastWorkflowType, {
      taskQueue: broadcastTaskQueue(taskQueue),
      workflowId: workflowIds.broadcast(shop.tenantId, id),
      args: [{ tenantId: shop.tenantId, broadcastId: id, channel: 'whatsapp', ratePerSecond: RATE, scheduledAt: null }],
    });
    const sentCount = async () => (await h.control.messages({ accountSid: shop.subaccountSid, direction: 'outbound-api' })).messages.length;
    await eventually(async () => (await sentCount()) >= 250, 'a quarter of the broadcast', 30_000);
    await worker.kill9();
    const atKill = await sentCount();
    expect(atKill).toBeLessThan(RECIPIENTS);

    await worker.start();
    const outcome = await handle.result();
    expect(outcome).toMatchObject({ status: 'completed', total: RECIPIENTS });

    const sent = await sentPerRecipient(h.control, shop.subaccountSid);
    const twice = [...sent.entries()].filter(([, m]) => m.length > 1).map(([to]) => to);
    const missing = customers.filter((c) => !sent.has(c));
    expect({ twice, missing }).toEqual({ twice: [], missing: [] });
    expect(sent.size).toBe(RECIPIENTS);

    // The database agrees with Twilio: every recipient sent, every message with its own sid.
    const recipients = await h.prisma.broadcastRecipient.groupBy({ by: ['status'], where: { broadcastId: id }, _count: true });
    expect(recipients).toEqual([{ status: 'sent', _count: RECIPIENTS }]);
    const sids = await h.prisma.message.findMany({ where: { broadcastId: id }, select: { providerMessageSid: true } });
    expect(new Set(sids.map((s) => s.providerMessageSid)).size).toBe(RECIPIENTS);
    expect(await h.prisma.broadcast.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'completed', sentCount: RECIPIENTS });
    console.log(`kill test: ${atKill} sent before the kill, ${RECIPIENTS - atKill} after the restart`);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
