// What Postgres does per reply, by statement: `BENCH_PG_STATEMENTS=1` starts the bench's cluster with
// pg_stat_statements, and a phase's report lists the statements by execution time (calls and ms per reply).
// Execution time is wall time inside the backend, so on a loaded machine it includes waiting for a core;
// the calls per reply are exact.
import pg from 'pg';

export const PG_STATEMENTS_SETTINGS = { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' };

export function pgStatementsWanted(): boolean {
  return process.env.BENCH_PG_STATEMENTS === '1';
}

export async function withPg<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function resetPgStatements(url: string): Promise<void> {
  await withPg(url, async (c) => {
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await c.query('SELECT pg_stat_statements_reset()');
  });
}

/** The `top` statements by execution time since the last reset, per reply; then the totals. */
export async function reportPgStatements(url: string, replies: number, top = 15): Promise<string> {
  const rows = await withPg(url, async (c) =>
    (await c.query<{ query: string; calls: string; ms: number }>(
      `SELECT regexp_replace(query, '\\s+', ' ', 'g') AS query, calls, total_exec_time + total_plan_time AS ms
       FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat_statements%' ORDER BY ms DESC`,
    )).rows,
  );
  const calls = rows.reduce((n, r) => n + Number(r.calls), 0);
  const ms = rows.reduce((n, r) => n + r.ms, 0);
  const lines = rows.slice(0, top).map((r) =>
    `    ${(r.ms / replies).toFixed(2).padStart(6)} ms ${(Number(r.calls) / replies).toFixed(2).padStart(6)} calls  ${r.query.slice(0, 110)}`);
  return [`  postgres per reply: ${(calls / replies).toFixed(1)} statements, ${(ms / replies).toFixed(2)} ms executing; by statement:`, ...lines].join('\n');
}
