import type { Client } from '@temporalio/client';
import type { EmailVerifier } from '../lib/auth/email-verification.js';
import type { Env } from '../lib/config/env.js';
import type { TenantCredentials } from '../lib/crypto/tenant-credentials.js';
import type { PrismaClient } from '../lib/db/client.js';
import type { BillingRelay } from './webhooks/billing-relay.js';
import type { Relay } from './webhooks/inbound-relay.js';
import type { WorkflowClient } from './workflows/client.js';

/** What the API needs from the outside world; tests pass the same real things on other ports. */
export interface ApiDeps {
  env: Env;
  prisma: PrismaClient;
  temporal: Client;
}

/** What every plugin gets: the deps plus what is composed from them once, in api/app.ts. */
export interface ApiContext extends ApiDeps {
  /** Every workflow start, signal and query goes through this (api/workflows/). */
  workflows: WorkflowClient;
  /** Tenant secrets (webhook signatures need the subaccount token); null without SECRETS_ENCRYPTION_KEYS. */
  credentials: TenantCredentials | null;
  /** Checks the signed links of verification emails (the worker signs them with the same APP_SECRET). */
  emailVerifier: EmailVerifier;
  /** Delivers stored hand-off rows (inbound messages, takeover, resume, manual replies) to their workflows. */
  relay: Relay;
  /** Delivers stored billing hand-offs (Stripe events, limit notices) to the tenants' billing workflows. */
  billingRelay: BillingRelay;
}
