// With a state file, a restart keeps customers, the catalog, subscriptions, events and the clock
// offset, so a dev restart does not strand the ids the app's database points at.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeStripeControl } from './control-client.js';
import { startFakeStripe } from './server.js';
import { stripeClientFor } from './testing.js';

const KEY = 'sk_test_local_persistence';
const dir = mkdtempSync(join(tmpdir(), 'fake-stripe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('stateFile', () => {
  it('survives a restart', async () => {
    const stateFile = join(dir, 'nested', 'stripe.json');
    const first = await startFakeStripe({ secretKey: KEY, webhookSecret: 'whsec_p', stateFile });
    const s1 = stripeClientFor(first.url, KEY);
    const price = await s1.prices.create({ currency: 'eur', unit_amount: 1900, recurring: { interval: 'month' }, lookup_key: 'pro', product_data: { name: 'Pro' } });
    const session = await s1.checkout.sessions.create({ mode: 'subscription', customer_email: 'keep@example.test', line_items: [{ price: price.id, quantity: 1 }], success_url: 'http://app.test/ok' });
    await fetch(`${session.url}/pay`, { method: 'POST', redirect: 'manual' });
    await new FakeStripeControl(first.url).advanceClock({ days: 2 });
    await first.close();
    expect(readdirSync(join(dir, 'nested'))).toEqual(['stripe.json']);
    expect(readFileSync(stateFile, 'utf8')).not.toContain(KEY);

    const second = await startFakeStripe({ secretKey: KEY, webhookSecret: 'whsec_p', stateFile });
    try {
      const s2 = stripeClientFor(second.url, KEY);
      const done = await s2.checkout.sessions.retrieve(session.id);
      expect(done.status).toBe('complete');
      const sub = await s2.subscriptions.retrieve(done.subscription as string);
      expect(sub).toMatchObject({ status: 'active', customer: done.customer, currency: 'eur' });
      expect((await s2.prices.list({ lookup_keys: ['pro'] })).data.map((p) => p.id)).toEqual([price.id]);
      expect((await s2.customers.retrieve(done.customer as string)).id).toBe(done.customer);
      expect((await s2.events.list({ limit: 100 })).data.length).toBeGreaterThan(5);
      expect((await new FakeStripeControl(second.url).clock()).offsetMs).toBe(2 * 86_400_000);
    } finally {
      await second.close();
    }
  });
});
