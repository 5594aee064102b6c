import type { Client } from '@temporalio/client';
import type { Env } from '../lib/config/env.js';
import type { PrismaClient } from '../lib/db/client.js';

/** What the API needs from the outside world; tests pass the same real things on other ports. */
export interface ApiDeps {
  env: Env;
  prisma: PrismaClient;
  temporal: Client;
}
