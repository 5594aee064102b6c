// Ended sessions (expired, revoked, or idle past the limit) are useless rows holding a user id and an IP:
// deleted, in bounded batches, a day after they ended (so "why was I logged out" can still be answered).
import type { PrismaClient } from '../db/client.js';
import { sqlPool } from '../db/sql.js';

const BATCH = 1_000;

export async function purgeEndedSessions(prisma: PrismaClient, idleMs: number): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { rowCount } = await sqlPool(prisma).query({
      name: 'sessions.purge',
      text: `DELETE FROM sessions WHERE id IN (
               SELECT id FROM sessions
               WHERE expires_at < (now() AT TIME ZONE 'UTC') - interval '1 day'
                  OR revoked_at < (now() AT TIME ZONE 'UTC') - interval '1 day'
                  OR coalesce(last_seen_at, created_at) < (now() AT TIME ZONE 'UTC') - interval '1 day' - make_interval(secs => $1 / 1000.0)
               LIMIT $2)`,
      values: [idleMs, BATCH],
    });
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < BATCH) return deleted;
  }
}
