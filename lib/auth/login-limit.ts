// How many times one account may fail to log in, from anywhere: a per-address limit alone lets an attacker
// with many addresses guess one merchant's password (and burn our CPU on Argon2) without end. Failures are
// already in the audit log; counting them there keeps every API instance in agreement and survives restarts.
import type { PrismaClient } from '../db/client.js';
import { sqlPool } from '../db/sql.js';

/** The window the per-account limit counts failures in. */
export const LOGIN_FAILURE_WINDOW_MINUTES = 15;

/** Recent failed log-ins for this email (normalized as the login route stores it), within the window. */
export async function recentLoginFailures(prisma: PrismaClient, email: string): Promise<number> {
  const { rows } = await sqlPool(prisma).query<{ failures: number }>({
    name: 'login-limit.failures',
    text: `SELECT count(*)::int AS failures FROM audit_logs
           WHERE action = 'auth.login_failed' AND details ->> 'email' = $1
             AND created_at > (now() AT TIME ZONE 'UTC') - make_interval(mins => $2)`,
    values: [email, LOGIN_FAILURE_WINDOW_MINUTES],
  });
  return rows[0]?.failures ?? 0;
}
