// The health check's result as a Prometheus textfile (lib/health/textfile.ts), written atomically: the
// collector reads whole files only (a temporary name it ignores, then a rename over the old file), so a
// scrape never sees half a file. Without a directory configured this does nothing.
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HEALTH_TEXTFILE_NAME, healthTextfile } from '../lib/health/textfile.js';
import type { HealthCheckResult } from '../lib/health/types.js';

export interface HealthTextfileDeps {
  /** node_exporter's --collector.textfile.directory (HEALTH_TEXTFILE_DIR); null = not configured. */
  dir: string | null;
  now?: () => number;
}

export function createHealthTextfileActivities(deps: HealthTextfileDeps) {
  return {
    async writeHealthTextfile(input: { result: HealthCheckResult; trigger: string }): Promise<{ path: string | null }> {
      if (!deps.dir) return { path: null };
      const finishedAt = (deps.now ?? Date.now)() / 1000;
      const path = join(deps.dir, HEALTH_TEXTFILE_NAME);
      // Same directory (so rename is atomic), a name the collector skips (it reads *.prom only).
      const temporary = join(deps.dir, `.${HEALTH_TEXTFILE_NAME}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      try {
        await writeFile(temporary, healthTextfile(input.result, finishedAt, input.trigger), { mode: 0o644 });
        await rename(temporary, path);
      } catch (err) {
        await rm(temporary, { force: true });
        throw err;
      }
      return { path };
    },
  };
}

export type HealthTextfileActivities = ReturnType<typeof createHealthTextfileActivities>;
