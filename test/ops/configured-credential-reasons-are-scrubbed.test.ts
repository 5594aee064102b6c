import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeStripe, type FakeStripe } from '../../fakes/stripe/server.js';
import { testConfiguredCredentials } from '../../lib/credentials/suite.js';

/*
 * The configured credentials' failure reasons go to the ops page, the CLI's output and the audit trail, so
 * they are scrubbed like typed-in ones: a provider that quotes the key back (whole, or its last characters
 * behind asterisks) must not put it there.
 */
const OPENAI_KEY = `sk-proj-${randomBytes(20).toString('hex')}`;
const SLACK_PATH = `/services/T0WARA/B0OPS/${randomBytes(12).toString('hex')}`;
const WRONG_STRIPE_KEY = `sk_test_${randomBytes(12).toString('hex')}`;

let quoting: Server;
let quotingUrl: string;
let stripe: FakeStripe;

beforeAll(async () => {
  // An OpenAI that quotes the whole key in its 401, and a Slack webhook that quotes its own URL in its 404.
  quoting = createServer((req, res) => {
    if (req.url?.startsWith('/v1/models')) {
      const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${key}. You can find your API key in your account.`, type: 'invalid_request_error', code: 'invalid_api_key' } }));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(`no_service for ${quotingUrl}${req.url ?? ''}`);
  });
  await new Promise<void>((resolve) => quoting.listen(0, '127.0.0.1', resolve));
  quotingUrl = `http://127.0.0.1:${(quoting.address() as AddressInfo).port}`;
  // Stripe quotes a wrong key's last four characters ("sk_test_****abcd").
  stripe = await startFakeStripe({ secretKey: `sk_test_${randomBytes(12).toString('hex')}`, webhookSecret: `whsec_${randomBytes(8).toString('hex')}` });
});
afterAll(async () => {
  await new Promise<void>((resolve) => quoting?.close(() => resolve()));
  await stripe?.close();
});

describe('configured credentials that fail', () => {
  it("are reported in the provider's words with the key removed", async () => {
    const results = await testConfiguredCredentials(
      {
        OPENAI_API_KEY: OPENAI_KEY,
        OPENAI_BASE_URL: `${quotingUrl}/v1`,
        STRIPE_SECRET_KEY: WRONG_STRIPE_KEY,
        STRIPE_API_BASE_URL: stripe.url,
        SLACK_WEBHOOK_URL: `${quotingUrl}${SLACK_PATH}`,
      },
      ['openai', 'stripe', 'slack'],
    );
    const by = Object.fromEntries(results.map((r) => [r.provider, r]));
    expect(by.openai).toMatchObject({ status: 'failed', reason: expect.stringMatching(/401.*Incorrect API key provided: \[redacted\]/) });
    expect(by.stripe).toMatchObject({ status: 'failed', reason: expect.stringContaining('Invalid API Key provided: [redacted]') });
    expect(by.slack).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^Slack answered 404: no_service for /) });
    const text = results.map((r) => r.reason).join('\n');
    expect(text).not.toContain(OPENAI_KEY);
    expect(text).not.toContain(OPENAI_KEY.slice(-12));
    expect(text).not.toContain(WRONG_STRIPE_KEY.slice(-4));
    expect(text).not.toContain(SLACK_PATH);
  });
});
