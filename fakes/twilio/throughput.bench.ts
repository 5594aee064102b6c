// How many message creates per second the fake sustains with status progression off
// (messageStatusDelayMs: null), sending through the official SDK like the app's workers do.
//
//   npx tsx fakes/twilio/throughput.bench.ts            # fake in this process (client and server share a core)
//   npx tsx fakes/twilio/throughput.bench.ts --child    # fake in its own process, as in the dev stack
//
// Env: BENCH_SENDS (default 6000), BENCH_CONCURRENCY (default 32). Not a test: run it by hand.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createTwilioClient } from '../../lib/twilio/client.js';
import { FakeTwilioControl } from './control-client.js';
import { startFakeTwilio } from './server.js';

const MASTER_SID = 'AC' + 'b'.repeat(32);
const MASTER_TOKEN = 'bench-master-token';
const SENDS = Number(process.env['BENCH_SENDS'] ?? 6000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 32);

async function startChild(): Promise<{ url: string; stop: () => Promise<void> }> {
  // Node itself with tsx's loader (not npx), so SIGTERM reaches main.ts and it shuts down cleanly.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'fakes/twilio/main.ts'], {
    env: { ...process.env, FAKE_TWILIO_PORT: '0', TWILIO_ACCOUNT_SID: MASTER_SID, TWILIO_AUTH_TOKEN: MASTER_TOKEN },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffered = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fake exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(buffered);
      if (m?.[1]) resolve(m[1]);
      // Keep draining the per-request log lines so the pipe never blocks the child.
      if (buffered.length > 10_000) buffered = '';
    });
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

async function main(): Promise<void> {
  const inChild = process.argv.includes('--child');
  const server = inChild
    ? await startChild()
    : await startFakeTwilio({ masterAccountSid: MASTER_SID, masterAuthToken: MASTER_TOKEN, senderOnlineAfterMs: 0 }).then((f) => ({
        url: f.url,
        stop: () => f.close(),
      }));
  const control = new FakeTwilioControl(server.url);
  await control.config({ messageStatusDelayMs: null, senderOnlineAfterMs: 0 });
  const master = createTwilioClient({ accountSid: MASTER_SID, authToken: MASTER_TOKEN, baseUrl: server.url });
  const acc = await master.api.v2010.accounts.create({ friendlyName: 'bench' });
  const client = createTwilioClient({ accountSid: acc.sid, authToken: acc.authToken, baseUrl: server.url });
  const svc = await client.messaging.v1.services.create({ friendlyName: 'bench' });
  const sender = await control.createSender(acc.sid, { phoneNumber: '+15550109999', onlineAfterMs: 0 });
  await client.messaging.v1.services(svc.sid).channelSenders.create({ sid: sender.sid });
  const num = await client.incomingPhoneNumbers.create({ areaCode: '415' });
  await client.messaging.v1.services(svc.sid).phoneNumbers.create({ phoneNumberSid: num.sid });

  const run = async (label: string, to: (i: number) => string): Promise<void> => {
    let next = 0;
    const worker = async () => {
      while (next < SENDS) {
        const i = next++;
        await client.messages.create({ to: to(i), messagingServiceSid: svc.sid, body: `Broadcast ${i}: spring sale, 20% off` });
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const s = (performance.now() - t0) / 1000;
    console.log(`${label}: ${SENDS} creates in ${s.toFixed(2)} s = ${Math.round(SENDS / s)}/s (concurrency ${CONCURRENCY})`);
  };
  const phone = (i: number) => `+4477009${String(i % 100_000).padStart(5, '0')}`;
  await run('warm-up whatsapp', (i) => `whatsapp:${phone(i)}`);
  await run('whatsapp', (i) => `whatsapp:${phone(i)}`);
  await run('sms', phone);
  console.log(`fake holds ${(await control.messages({ accountSid: acc.sid })).messages.length} messages; mode: ${inChild ? 'child process' : 'in-process'}`);
  await server.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
