// The relay's order under a burst: slots go to the tenant with the fewest signals in flight, so one
// merchant's burst does not queue another merchant's customer behind all of it; a conversation's own
// messages still go one at a time, in order.
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { ConversationRow } from '../../lib/conversations/inbound-store.js';
import type { ConversationWorkflows } from '../workflows/conversations.js';
import { createInboundRelay, type HandOff } from './inbound-relay.js';

function conversation(tenantId: string, customer: string): ConversationRow {
  return { id: `${tenantId}-${customer}`, tenantId, channel: 'whatsapp', customerAddress: customer, aiPaused: false, optedOut: false, lastInboundAt: null };
}

function inbound(key: string, c: ConversationRow): HandOff {
  return { key, signal: { kind: 'inbound', messageSid: key, optOut: null }, conversation: c };
}

/** A stand-in workflow client whose signals complete when the test says so, recording their order. */
function slowTemporal() {
  const delivered: string[] = [];
  const waiting: Array<() => void> = [];
  const conversations = {
    workflowId: (c: Pick<ConversationRow, 'tenantId' | 'customerAddress'>) => `conversation:${c.tenantId}:${c.customerAddress}`,
    signal: async (c: ConversationRow, _signal: unknown, args: unknown[]) => {
      await new Promise<void>((resolve) => waiting.push(resolve));
      delivered.push(`${c.tenantId}:${(args[0] as { messageSid: string }).messageSid}`);
      return { workflowId: `conversation:${c.tenantId}:${c.customerAddress}` };
    },
  } as unknown as ConversationWorkflows; // only the two members the relay calls
  const releaseOne = async () => {
    waiting.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { conversations, delivered, releaseOne, waiting };
}

const pool = { query: async () => ({ rows: [] }) } as unknown as pg.Pool; // deletes of delivered rows only

describe('inbound relay order', () => {
  it('gives the next slot to a quiet tenant rather than to the 100th message of a burst', async () => {
    const t = slowTemporal();
    const relay = createInboundRelay({ pool, conversations: t.conversations, log: { warn: () => undefined }, concurrency: 2 });
    for (let i = 0; i < 100; i++) relay.handOff(inbound(`A${i}`, conversation('loud', `+1${i}`)));
    relay.handOff(inbound('B0', conversation('quiet', '+2')));
    relay.handOff(inbound('C0', conversation('other', '+3')));
    // Two slots, both taken by the burst before the others arrived; each freed slot goes to a tenant with
    // nothing in flight, oldest first: the quiet ones are through after a handful of the burst's 100, not after all.
    for (let i = 0; i < 5; i++) await t.releaseOne();
    expect(t.delivered).toEqual(['loud:A0', 'loud:A1', 'quiet:B0', 'loud:A2', 'other:C0']);
    while (t.waiting.length > 0) await t.releaseOne();
    await relay.idle();
    expect(t.delivered).toHaveLength(102);
    // Within the burst, first come first served.
    const loud = t.delivered.filter((d) => d.startsWith('loud:')).map((d) => Number(d.slice('loud:A'.length)));
    expect(loud).toEqual([...loud].sort((a, b) => a - b));
  });

  it('keeps one conversation in order and one signal at a time, even when it is the only tenant waiting', async () => {
    const t = slowTemporal();
    const relay = createInboundRelay({ pool, conversations: t.conversations, log: { warn: () => undefined }, concurrency: 8 });
    const same = conversation('shop', '+5');
    for (let i = 0; i < 5; i++) relay.handOff(inbound(`M${i}`, same));
    expect(t.waiting).toHaveLength(1);
    while (t.waiting.length > 0) await t.releaseOne();
    await relay.idle();
    expect(t.delivered).toEqual(['shop:M0', 'shop:M1', 'shop:M2', 'shop:M3', 'shop:M4']);
  });
});
