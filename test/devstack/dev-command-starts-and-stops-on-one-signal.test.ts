import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/devstack/ports.js';
import { eventually } from '../support/eventually.js';

/**
 * The README's run command as a developer (or a process manager, or an IDE's stop button) uses it:
 * `npm run dev` starts the whole system, and ONE signal to the npm process — not to its process group, as
 * a terminal's Ctrl-C does — stops every process it started and frees every port.
 */
const ROOT = join(import.meta.dirname, '..', '..');
let dev: ChildProcess | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  // Whatever went wrong above, leave nothing running: the whole group, hard.
  if (dev?.pid) {
    try {
      process.kill(-dev.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('npm run dev', () => {
  it('starts everything on embedded defaults, and one SIGINT to npm stops every process and frees every port', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'wara-dev-'));
    // mkdtemp makes it 0700; as root, Postgres runs as its own user, which must be able to enter it.
    await chmod(dataDir, 0o755);
    const ports = {
      POSTGRES_PORT: await freePort(),
      TEMPORAL_PORT: await freePort(),
      TEMPORAL_UI_PORT: await freePort(),
      API_PORT: await freePort(),
      WEB_PORT: await freePort(),
      FAKE_TWILIO_PORT: await freePort(),
      FAKE_OPENAI_PORT: await freePort(),
      FAKE_STRIPE_PORT: await freePort(),
    };
    const env = { ...process.env, WARA_DATA_DIR: dataDir, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) };
    // Its own process group, like a terminal session: the test signals only the npm process itself.
    dev = spawn('npm', ['run', 'dev'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    dev.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    dev.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => dev!.once('exit', (code) => resolve(code)));

    await eventually(async () => output.includes('WARA is running') || (dev!.exitCode !== null && Promise.reject(new Error(output))), 'the dev banner', 150_000);
    // The banner names where things are, including the stand-ins' master credentials.
    expect(output).toContain(`http://127.0.0.1:${ports.API_PORT}`);
    expect(output).toMatch(/master account AC[0-9a-f]{32}, auth token \w+/);
    const health = await fetch(`http://127.0.0.1:${ports.API_PORT}/health`);
    expect(health.status).toBe(200);

    process.kill(dev.pid!, 'SIGINT');
    await Promise.race([exited, new Promise((_, reject) => setTimeout(() => reject(new Error(`npm run dev did not stop:\n${output.slice(-3000)}`)), 60_000))]);
    // Nothing of the group is left (signal 0 only asks whether any process in it still exists); a process
    // whose parent just stopped may take a moment to notice, so a few seconds' grace, not forever.
    const groupAlive = () => {
      try {
        process.kill(-dev!.pid!, 0);
        return true;
      } catch {
        return false;
      }
    };
    await eventually(async () => !groupAlive() || null, 'every process of the group to exit', 10_000).catch(
      (err: unknown) => {
        throw new Error(`${(err as Error).message}; still running: ${groupMembers(dev!.pid!)}`);
      },
    );
    // …and every port it used can be bound again.
    for (const [name, port] of Object.entries(ports)) expect(await canListen(port), `${name} ${port} is free`).toBe(true);
  });
});

/** The processes still in a process group, for the failure message. */
function groupMembers(pgid: number): string {
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '-g', String(pgid)], { encoding: 'utf8' }).trim() || '(none)';
  } catch {
    return '(none)';
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
