// Runs Stripe's own stripe-mock (installed by scripts/install-stripe-mock.sh into .tools/bin). It is
// stateless and answers with fixtures, but it validates every request against Stripe's OpenAPI spec,
// so the contract test can check that the calls the app makes are ones real Stripe accepts.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STRIPE_MOCK_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../.tools/bin/stripe-mock');

export interface StripeMock {
  url: string;
  port: number;
  host: string;
  stop(): Promise<void>;
}

/**
 * Start stripe-mock on a free loopback port. It binds HTTP to 127.0.0.1 with the port left to the
 * system and reads the port back from its log line ("Listening for HTTP at address: …"), so two runs
 * never race for a port; HTTPS gets the same treatment because its default (12112) would collide.
 */
export async function startStripeMock(opts: { bin?: string; timeoutMs?: number } = {}): Promise<StripeMock> {
  const bin = opts.bin ?? STRIPE_MOCK_BIN;
  if (!existsSync(bin)) throw new Error(`stripe-mock is not installed at ${bin} (run scripts/install-stripe-mock.sh)`);
  const host = '127.0.0.1';
  const child = spawn(bin, ['-http-addr', `${host}:`, '-https-addr', `${host}:`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise<number>((resolvePort, reject) => {
    let output = '';
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`stripe-mock did not start within ${opts.timeoutMs ?? 15_000} ms:\n${output}`)), opts.timeoutMs ?? 15_000);
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const m = /Listening for HTTP at address: [^\s]*:(\d+)/.exec(output);
      if (m?.[1] && !settled) {
        settled = true;
        clearTimeout(timer);
        resolvePort(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`stripe-mock exited with code ${code}:\n${output}`)));
  });
  const url = `http://${host}:${port}`;
  await waitUntilAnswering(url, child);
  return { url, port, host, stop: () => stop(child) };
}

async function waitUntilAnswering(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/v1/customers?limit=1`, { headers: { Authorization: 'Bearer sk_test_123' } });
      if (res.ok) return;
    } catch {
      // Not accepting connections yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`stripe-mock at ${url} did not answer`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    child.once('exit', () => resolveStop());
    child.kill('SIGTERM');
  });
}
