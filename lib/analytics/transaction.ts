// One transaction on a client of its own, for the refresh, the rebuild and the prune.
import type pg from 'pg';

/**
 * Runs `work` between BEGIN and COMMIT (READ COMMITTED), rolling back on any failure. A connection that dies
 * meanwhile (a database restart, a killed backend) makes the client emit `error` outside any query: that is
 * caught here (the pending or next query fails instead of the process) and the broken client is discarded.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    broken ??= await client.query('ROLLBACK').then(() => undefined, (failure: unknown) => failure as Error);
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
