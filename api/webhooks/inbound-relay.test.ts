// The relay's order under a burst: slots go to the tenant with the least in Temporal, so one merchant's
// burst does not queue another merchant's customer behind all of it; a tenant holds at most its turn limit
// of unanswered messages in Temporal, the rest wait here oldest first, and past its backlog limit a message
// is shed (kept, marked, not answered by the AI). A conversation's own messages still go one at a time, in order.
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { ConversationRow } from '../../lib/conversations/inbound-store.js';
import type { ConversationWorkflows } from '../workflows/conversations.js';
import { createInboundRelay, type HandOff } from './inbound-relay.js';

function conversation(tenantId: string, customer: string): ConversationRow {
  return { id: `${tenantId}-${customer}`, tenantId, channel: 'whatsapp', customerAddress: customer, aiPaused: false, optedOut: false, lastInboundAt: null };
}

function inbound(key: string, c: ConversationRow, optOut: 'stop' | null = null): HandOff {
  return { key, signal: { kind: 'inbound', messageSid: key, optOut }, conversation: c };
}

function takeover(key: string, c: ConversationRow): HandOff {
  return { key, signal: { kind: 'takeover', by: 'merchant' }, conversation: c };
}

/** A stand-in workflow client recording the order of signals; `slow` ones complete when the test says so. */
function fakeTemporal(slow: boolean) {
  const delivered: string[] = [];
  const waiting: Array<() => void> = [];
  const conversations = {
    workflowId: (c: Pick<ConversationRow, 'tenantId' | 'customerAddress'>) => `conversation:${c.tenantId}:${c.customerAddress}`,
    signal: async (c: ConversationRow, _signal: unknown, args: unknown[]) => {
      if (slow) await new Promise<void>((resolve) => waiting.push(resolve));
      const sid = (args[0] as { messageSid?: string } | undefined)?.messageSid ?? 'takeover';
      delivered.push(`${c.tenantId}:${sid}`);
      return { workflowId: `conversation:${c.tenantId}:${c.customerAddress}` };
    },
  } as unknown as ConversationWorkflows; // only the two members the relay calls
  const releaseOne = async () => {
    waiting.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { conversations, delivered, releaseOne, waiting };
}

/**
 * The relay's statements against a stand-in table: a settle lookup answers the sids in `answered` (or all of
 * them with `answerAll`), and shed sids are recorded.
 */
function fakePool(answerAll: boolean, swept: object[] = []) {
  const answered = new Set<string>();
  const shed: string[] = [];
  const counts = { lookups: 0 };
  const pool = {
    query: async (q: { name: string; values: unknown[] }) => {
      const sids = q.values[0] as string[];
      if (q.name === 'handoffs-settled') counts.lookups += 1;
      if (q.name === 'handoffs-settled') return { rows: sids.filter((sid) => answerAll || answered.has(sid)).map((sid) => ({ sid })) };
      if (q.name === 'handoffs-shed') shed.push(...sids);
      if (q.name === 'handoffs-sweep') return { rows: swept.splice(0) };
      return { rows: [] };
    },
  } as unknown as pg.Pool;
  return {
    pool,
    answered,
    shed,
    get lookups() {
      return counts.lookups;
    },
  };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('inbound relay order', () => {
  it('gives the next slot to a quiet tenant rather than to the 100th message of a burst', async () => {
    const t = fakeTemporal(true);
    const relay = createInboundRelay({ pool: fakePool(true).pool, conversations: t.conversations, log: { warn: () => undefined }, concurrency: 2, settleEveryMs: 1 });
    for (let i = 0; i < 100; i++) relay.handOff(inbound(`A${i}`, conversation('loud', `+1${i}`)));
    relay.handOff(inbound('B0', conversation('quiet', '+2')));
    relay.handOff(inbound('C0', conversation('other', '+3')));
    // Two slots, both taken by the burst before the others arrived; each freed slot goes to the tenant with
    // the least in Temporal: the quiet ones are through right after the burst's first two, not after all 100.
    for (let i = 0; i < 5; i++) await t.releaseOne();
    expect(t.delivered).toEqual(['loud:A0', 'loud:A1', 'quiet:B0', 'other:C0', 'loud:A2']);
    while (t.waiting.length > 0 || relay.stats().queued > 0) await t.releaseOne();
    await relay.idle();
    expect(t.delivered).toHaveLength(102);
    // Within the burst, first come first served.
    const loud = t.delivered.filter((d) => d.startsWith('loud:')).map((d) => Number(d.slice('loud:A'.length)));
    expect(loud).toEqual([...loud].sort((a, b) => a - b));
  });

  it('keeps one conversation in order and one signal at a time, even when it is the only tenant waiting', async () => {
    const t = fakeTemporal(true);
    const relay = createInboundRelay({ pool: fakePool(true).pool, conversations: t.conversations, log: { warn: () => undefined }, concurrency: 8 });
    const same = conversation('shop', '+5');
    for (let i = 0; i < 5; i++) relay.handOff(inbound(`M${i}`, same));
    expect(t.waiting).toHaveLength(1);
    while (t.waiting.length > 0) await t.releaseOne();
    await relay.idle();
    expect(t.delivered).toEqual(['shop:M0', 'shop:M1', 'shop:M2', 'shop:M3', 'shop:M4']);
  });

  it('puts a row the sweeper brings back before the newer messages of its shop, so a conversation keeps its order', async () => {
    const t = fakeTemporal(true);
    const clock = { now: 100_000 };
    // A message of +7 whose signal failed 20 s ago (its row stayed); the sweeper finds it while +7's next
    // message and another customer's wait behind a busy slot.
    const left = {
      message_sid: 'OLD', kind: 'inbound', payload: null, opt_out: null, id: 'shop-+7', tenant_id: 'shop', channel: 'whatsapp',
      customer_address: '+7', ai_paused: false, opted_out: false, last_inbound_at: null, stored_ms: clock.now - 20_000,
    };
    const relay = createInboundRelay({
      pool: fakePool(true, [left]).pool, conversations: t.conversations, log: { warn: () => undefined }, concurrency: 1, now: () => clock.now,
    });
    relay.handOff(inbound('FIRST', conversation('shop', '+6')));
    relay.handOff(inbound('NEW', conversation('shop', '+7')));
    relay.handOff(inbound('OTHER', conversation('shop', '+8')));
    expect(await relay.sweep()).toBe(1);
    while (t.waiting.length > 0 || relay.stats().queued > 0) await t.releaseOne();
    await relay.idle();
    expect(t.delivered).toEqual(['shop:FIRST', 'shop:OLD', 'shop:NEW', 'shop:OTHER']);
  });
});

describe('turn limit per tenant', () => {
  it('holds a burst at its limit until its turns are answered, while other tenants and merchant actions pass', async () => {
    const t = fakeTemporal(false);
    const db = fakePool(false);
    const relay = createInboundRelay({ pool: db.pool, conversations: t.conversations, log: { warn: () => undefined }, turnsPerTenant: 2, settleEveryMs: 2 });
    const loud = Array.from({ length: 6 }, (_, i) => conversation('loud', `+1${i}`));
    loud.forEach((c, i) => relay.handOff(inbound(`A${i}`, c)));
    relay.handOff(inbound('B0', conversation('quiet', '+2')));
    await until(() => t.delivered.length >= 3);
    await new Promise((r) => setTimeout(r, 20));
    // Two of the burst in Temporal, the rest waiting; the other shop's customer is not behind them.
    expect(t.delivered).toEqual(['loud:A0', 'loud:A1', 'quiet:B0']);
    expect(relay.stats()).toMatchObject({ queued: 4, openTurns: 3 });

    // The merchant takes over A0's conversation (its message is in Temporal) and A3's (still waiting):
    // the first goes at once, the second waits behind its conversation's earlier message.
    relay.handOff(takeover('takeover:1', loud[0]!));
    relay.handOff(takeover('takeover:2', loud[3]!));
    await until(() => t.delivered.length >= 4);
    await new Promise((r) => setTimeout(r, 20));
    expect(t.delivered.slice(3)).toEqual(['loud:takeover']);

    // A0 is answered: one slot frees, and the oldest waiting message takes it.
    db.answered.add('A0');
    await until(() => t.delivered.length >= 5);
    await new Promise((r) => setTimeout(r, 20));
    expect(t.delivered.slice(4)).toEqual(['loud:A2']);

    for (const sid of ['A1', 'A2', 'A3', 'A4', 'A5', 'B0']) db.answered.add(sid);
    await relay.idle();
    // The second takeover went after its conversation's message (A3), whatever else took turns meanwhile.
    const rest = t.delivered.slice(5);
    expect([...rest].sort()).toEqual(['loud:A3', 'loud:A4', 'loud:A5', 'loud:takeover']);
    expect(rest.indexOf('loud:takeover')).toBeGreaterThan(rest.indexOf('loud:A3'));
    expect(rest.filter((d) => d !== 'loud:takeover')).toEqual(['loud:A3', 'loud:A4', 'loud:A5']);
  });

  it('allows as many turns again per second of the quiet period, which a turn sleeps through at no cost', async () => {
    const t = fakeTemporal(true);
    const relay = createInboundRelay({ pool: fakePool(false).pool, conversations: t.conversations, log: { warn: () => undefined }, turnsPerTenant: 1, quietPeriodMs: 2000 });
    for (let i = 0; i < 5; i++) relay.handOff(inbound(`A${i}`, conversation('shop', `+1${i}`)));
    expect(t.waiting).toHaveLength(3);
    expect(relay.stats()).toMatchObject({ queued: 2, openTurns: 3 });
  });

  it('lets a turn that is never settled go after the timeout, so a shop is never locked out', async () => {
    const t = fakeTemporal(false);
    const db = fakePool(false);
    let clock = 0;
    const relay = createInboundRelay({ pool: db.pool, conversations: t.conversations, log: { warn: () => undefined }, turnsPerTenant: 1, settleEveryMs: 1, turnTimeoutMs: 30_000, now: () => clock });
    relay.handOff(inbound('A0', conversation('shop', '+1')));
    relay.handOff(inbound('A1', conversation('shop', '+2')));
    await until(() => db.lookups >= 3);
    expect(t.delivered).toEqual(['shop:A0']);
    clock = 30_001;
    await relay.idle();
    expect(t.delivered).toEqual(['shop:A0', 'shop:A1']);
  });
});

describe('backlog limit per tenant', () => {
  it('sheds a shop\'s newest message past its backlog, never an opt-out, and never another shop\'s', async () => {
    const t = fakeTemporal(true);
    const db = fakePool(true);
    const relay = createInboundRelay({ pool: db.pool, conversations: t.conversations, log: { warn: () => undefined }, turnsPerTenant: 1, backlogPerTenant: 3, settleEveryMs: 1 });
    for (let i = 0; i < 6; i++) relay.handOff(inbound(`A${i}`, conversation('loud', `+1${i}`)));
    relay.handOff(inbound('STOP', conversation('loud', '+19'), 'stop'));
    relay.handOff(inbound('B0', conversation('quiet', '+2')));
    await until(() => db.shed.length >= 2);
    // A0 in flight, A1–A3 waiting (the backlog of 3), A4 and A5 shed; the opt-out waits whatever the backlog.
    expect(db.shed).toEqual(['A4', 'A5']);
    expect(relay.stats().queued).toBe(4); // A1–A3 and the opt-out; the other shop's B0 went at once
    while (t.waiting.length > 0 || relay.stats().queued > 0) await t.releaseOne();
    await relay.idle();
    expect(t.delivered.sort()).toEqual(['loud:A0', 'loud:A1', 'loud:A2', 'loud:A3', 'loud:STOP', 'quiet:B0']);
  });
});
