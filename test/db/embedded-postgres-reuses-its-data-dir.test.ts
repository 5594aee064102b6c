import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../scripts/devstack/embedded-postgres.js';
import { findFreePort } from '../support/database.js';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

// `npm run dev` keeps its database across restarts: the second start must not re-initialise.
describe('startEmbeddedPostgres on an existing data dir', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wara-pg-reuse-'));
    await chmod(dir, 0o755); // the cluster runs as `postgres` when we are root
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('initialises once, then restarts on the same data (also after a stale postmaster.pid)', async () => {
    const dataDir = path.join(dir, 'data');
    const first = await startEmbeddedPostgres({ dataDir, port: await findFreePort() });
    expect(first.initialised).toBe(true);
    expect(first.url).toMatch(/\/wara$/);
    await query(first.url, 'CREATE TABLE kept (note text); INSERT INTO kept VALUES ($$still here$$)');
    await first.stop();

    // A SIGKILLed run leaves postmaster.pid behind, possibly naming a pid now used by something else.
    await writeFile(path.join(dataDir, 'postmaster.pid'), `${process.pid}\n${dataDir}\n`);

    const second = await startEmbeddedPostgres({ dataDir, port: await findFreePort() });
    try {
      expect(second.initialised).toBe(false);
      expect(await query<{ note: string }>(second.url, 'SELECT note FROM kept')).toEqual([{ note: 'still here' }]);
    } finally {
      await second.stop();
    }
  });
});
