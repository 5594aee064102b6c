// The API process for bench/audit-export.ts: the real app (as api/main.ts builds it) with an operator
// logged in, listening on a free port. Prints one JSON line ({ url, cookie }) and serves until killed, so the
// bench watches this process's memory alone (its HTTP client runs in the parent). The bench runs the
// compiled copy of this file (as production runs dist/), or this source through tsx with --tsx.
import { buildApi } from '../api/app.js';
import { addOperator } from '../lib/auth/operators.js';
import { loadEnv } from '../lib/config/env.js';
import { createPrismaClient } from '../lib/db/client.js';
import { lazyTemporalClient } from '../lib/temporal/client.js';

// Temporal is not needed for an export: a lazy client, never used.
const env = loadEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: process.env.DATABASE_URL, TEMPORAL_ADDRESS: '127.0.0.1:1', RELAY_THREAD: 'false' });
const prisma = createPrismaClient(env.DATABASE_URL, { max: 4 });
const app = await buildApi({ env, prisma, temporal: lazyTemporalClient(env) }, { logger: false });
const email = `bench-ops-${process.pid}@wara.example`;
const operator = await addOperator(prisma, email, { by: 'bench' });
const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: operator.password } });
const cookie = login.cookies.filter((c) => c.value).map((c) => `${c.name}=${c.value}`).join('; ');
const url = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(JSON.stringify({ url, cookie }));
if (process.env.BENCH_DEBUG) {
  setInterval(() => console.error(JSON.stringify(Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, Math.round(v / 1048576)])))), 500).unref();
}
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
