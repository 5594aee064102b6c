import type { Client } from '@temporalio/client';
import type { Env } from '../lib/config/env.js';
import type { PrismaClient } from '../lib/db/client.js';

/** What the worker's activities need from the outside world; tests pass the same real things on other ports. */
export interface WorkerDeps {
  env: Env;
  prisma: PrismaClient;
  /** For the health probes (Temporal's own health) and the schedules; activities do not start workflows. */
  temporal: Client;
}

/** Timings tests shorten to provoke the cases they prove (a send whose answer was lost, a settle window). */
export interface ActivityTimings {
  /** Twilio send request timeout (default 10 s: Twilio answers a send in well under a second). */
  sendTimeoutMs?: number;
  /** How long a send attempt with no recorded answer is left to settle before it is looked up (default 2× the timeout). */
  settleMs?: number;
}
