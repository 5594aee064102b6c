// Shared set-up for the onboarding tests: the in-process Twilio stand-in (its clock tied to the workflow's
// clock), the real database, and the real activities wired to both.
import { randomBytes, randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnv } from '../support/temporal.js';
import { inject } from 'vitest';
import { createIntegrationActivities } from '../../activities/integrations.js';
import { createSmsNumberActivities } from '../../activities/sms-numbers.js';
import { createTwilioNumbersActivities } from '../../activities/twilio-numbers.js';
import { createTwilioProvisioningActivities } from '../../activities/twilio-provisioning.js';
import { FakeTwilioControl } from '../../fakes/twilio/control-client.js';
import { startFakeTwilio, type FakeTwilio } from '../../fakes/twilio/server.js';
import { createSecretBox, createTenantCredentials, parseKeyring, type TenantCredentials } from '../../lib/crypto/index.js';
import { createPrismaClient, type PrismaClient } from '../../lib/db/client.js';
import { createTwilioClient } from '../../lib/twilio/client.js';

export const MASTER_SID = 'AC' + 'a1b2c3d4e5f60718'.repeat(2);
export const MASTER_TOKEN = 'onboarding-test-master-token';
export const PUBLIC_URL = 'https://wara.example';
export const DAY = 24 * 60 * 60 * 1000;

export interface OnboardingHarness {
  fake: FakeTwilio;
  control: FakeTwilioControl;
  prisma: PrismaClient;
  credentials: TenantCredentials;
  /** Every request line the fake served (`POST /v1/Services -> 500 (…)`), for counting calls. */
  requests: string[];
  /** Real activities; before each call the fake's clock jumps to the workflow environment's time. */
  activities: ReturnType<typeof buildActivities>;
  close(): Promise<void>;
}

function buildActivities(fakeUrl: string, prisma: PrismaClient, credentials: TenantCredentials) {
  const twilio = {
    master: createTwilioClient({ accountSid: MASTER_SID, authToken: MASTER_TOKEN, baseUrl: fakeUrl }),
    connect: (c: { accountSid: string; apiKey: string; apiSecret: string }) => createTwilioClient({ ...c, baseUrl: fakeUrl }),
    credentials,
    publicUrl: PUBLIC_URL,
  };
  // Disconnecting releases the tenant's SMS numbers too, so the unwind needs the number activities.
  return {
    ...createIntegrationActivities({ prisma }),
    ...createTwilioProvisioningActivities(twilio),
    ...createSmsNumberActivities({ prisma }),
    ...createTwilioNumbersActivities(twilio),
  };
}

/**
 * `clockOf` is the workflow environment: the time-skipping server's clock drives the fake's sender
 * timelines, so "PENDING for 3 days" means 3 days of (skipped) workflow time.
 */
export async function startOnboardingHarness(clockOf?: () => TestWorkflowEnvironment): Promise<OnboardingHarness> {
  let now = Date.now();
  const requests: string[] = [];
  const fake = await startFakeTwilio({
    masterAccountSid: MASTER_SID,
    masterAuthToken: MASTER_TOKEN,
    now: () => now,
    log: (line) => requests.push(line),
  });
  const prisma = createPrismaClient(inject('databaseUrl'), { max: 4 });
  const keyring = parseKeyring(`test2:${randomBytes(32).toString('base64')},test1:${randomBytes(32).toString('base64')}`);
  const credentials = createTenantCredentials(prisma, createSecretBox(keyring));
  const real = buildActivities(fake.url, prisma, credentials);
  const activities = Object.fromEntries(
    Object.entries(real).map(([name, fn]) => [
      name,
      async (...args: unknown[]) => {
        if (clockOf) now = await clockOf().currentTimeMs();
        return (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      },
    ]),
  ) as typeof real;
  return {
    fake,
    control: new FakeTwilioControl(fake.url),
    prisma,
    credentials,
    requests,
    activities,
    async close() {
      await prisma.$disconnect();
      await fake.close();
    },
  };
}

export async function createTenant(prisma: PrismaClient, label = 'shop'): Promise<string> {
  const slug = `${label}-${randomUUID().slice(0, 8)}`;
  const tenant = await prisma.tenant.create({ data: { name: `Test ${label}`, slug } });
  return tenant.id;
}

/** The subaccount the workflow made for a tenant (found the way the activity finds it). */
export function subaccountOf(fake: FakeTwilio, tenantId: string) {
  return [...fake.state.accounts.values()].filter((a) => a.friendlyName === `wara:${tenantId}`);
}

export function keysOf(fake: FakeTwilio, accountSid: string) {
  return [...fake.state.keys.values()].filter((k) => k.accountSid === accountSid);
}

export function servicesOf(fake: FakeTwilio, accountSid: string) {
  return [...fake.state.services.values()].filter((s) => s.accountSid === accountSid);
}

/**
 * Every byte of a workflow history as text: payloads are binary (JSON inside), so a plain JSON.stringify
 * would hide a leaked secret as a list of numbers.
 */
export function historyText(history: unknown): string {
  const parts: string[] = [];
  const walk = (v: unknown): void => {
    if (v instanceof Uint8Array) parts.push(Buffer.from(v).toString('utf8'), Buffer.from(v).toString('base64'));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    else if (typeof v === 'string') parts.push(v);
  };
  walk(history);
  return parts.join('\n');
}

export { eventually } from '../support/eventually.js';

/** A number no earlier run used: the test database outlives runs and numbers are unique across tenants. */
export function uniquePhone(): string {
  return `+1555${String(randomBytes(4).readUInt32BE() % 10_000_000).padStart(7, '0')}`;
}

/** Kept for the onboarding tests' readability; the retry lives in the shared helper. */
export const startTimeSkippingEnv = (): Promise<TestWorkflowEnvironment> => createTimeSkippingEnv();
