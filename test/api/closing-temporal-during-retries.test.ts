// The API closes its Temporal connection while calls to an unreachable server are waiting to retry (the
// SDK retries on a timer and opens the new call when it fires). A retry firing after the close throws
// "Channel has been shut down" from that timer, where nothing can catch it: the process would die. The
// client's close waits for those timers, by the wall clock, even when the event loop is busy and its clock lags.
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../lib/config/env.js';
import { lazyTemporalClient } from '../../lib/temporal/client.js';

describe('closing the Temporal client', () => {
  it('lets every scheduled retry fire first, even right after the event loop was busy', async () => {
    const uncaught: unknown[] = [];
    const record = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', record);
    try {
      const env = loadEnv({ NODE_ENV: 'test', TEMPORAL_ADDRESS: '127.0.0.1:1', DATABASE_URL: 'postgresql://x:y@127.0.0.1:1/z' });
      const client = lazyTemporalClient(env);
      const calls = Array.from({ length: 5 }, () => client.workflowService.getSystemInfo({}).then(() => 'answered', () => 'failed'));
      await new Promise((resolve) => setTimeout(resolve, 400)); // the first attempts failed; retries are on timers
      // A busy event loop (a loaded machine): the loop's clock lags Date.now() by 300 ms when close() starts.
      const until = Date.now() + 300;
      while (Date.now() < until) {
        /* busy */
      }
      await client.connection.close();
      expect(await Promise.all(calls)).toEqual(Array(5).fill('failed'));
      await new Promise((resolve) => setTimeout(resolve, 6_000)); // past the longest backoff
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', record);
    }
  }, 30_000);
});
