// Several API instances share the hand-off table. A relay holding a shop's backlog (waiting for turns) keeps
// its rows claimed, so another instance's sweeper does not take them from a live relay; once that relay is
// gone, its claims age and the rows are swept by the others.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInboundRelay } from '../../api/webhooks/inbound-relay.js';
import type { ConversationWorkflows } from '../../api/workflows/conversations.js';
import { sqlPool } from '../../lib/db/sql.js';
import { sleep, startConversationHarness, uniquePhone, type ConversationHarness, type Shop } from './harness.js';

let h: ConversationHarness;
let shop: Shop;
beforeAll(async () => {
  h = await startConversationHarness({ worker: false });
  shop = await h.connectShop('claims');
});
afterAll(async () => h?.close());

/** A workflow client whose signals never complete (Temporal very slow), or that records what it is given. */
function workflows(options: { hang: boolean; seen?: string[] }): ConversationWorkflows {
  return {
    workflowId: (c: { tenantId: string; customerAddress: string }) => `conversation:${c.tenantId}:${c.customerAddress}`,
    signal: async (_c: unknown, _signal: unknown, args: Array<{ messageSid: string }>) => {
      if (options.hang) await new Promise(() => undefined);
      options.seen?.push(args[0]!.messageSid);
      return { workflowId: 'x' };
    },
  } as unknown as ConversationWorkflows; // only the two members the relay calls
}

describe('waiting hand-offs and several API instances', () => {
  it('another instance sweeps a live relay\'s backlog only after that relay is gone', async () => {
    const sids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const conversation = await h.prisma.conversation.create({ data: { tenantId: shop.tenantId, accountId: shop.accountId, channel: 'whatsapp', customerAddress: `whatsapp:${uniquePhone()}` } });
      const sid = `SM${randomBytes(16).toString('hex')}`;
      await h.prisma.message.create({ data: { tenantId: shop.tenantId, conversationId: conversation.id, direction: 'inbound', source: 'customer', status: 'received', body: 'hello', providerMessageSid: sid } });
      await h.prisma.inboundHandoff.create({ data: { messageSid: sid, tenantId: shop.tenantId, conversationId: conversation.id, createdAt: new Date(Date.now() - 5_000) } });
      sids.push(sid);
    }
    const pool = sqlPool(h.prisma);
    const quiet = { warn: () => undefined };
    // Both sweep this shop's rows only: other test files' APIs share the database.
    // Instance A takes them: one in flight (its signal hangs), two waiting for the shop's single turn.
    const a = createInboundRelay({ pool, conversations: workflows({ hang: true }), log: quiet, turnsPerTenant: 1, sweepAfterMs: 1_000, sweepTenantId: shop.tenantId });
    expect(await a.sweep()).toBe(3);
    expect(a.stats()).toMatchObject({ queued: 2, inFlight: 1 });

    // Past the sweep age, A renews its claims (as it does every half of it); B's sweep finds nothing to take.
    await sleep(1_200);
    await a.renewClaims();
    const seen: string[] = [];
    const b = createInboundRelay({ pool, conversations: workflows({ hang: false, seen }), log: quiet, sweepAfterMs: 1_000, sweepTenantId: shop.tenantId });
    expect(await b.sweep()).toBe(0);

    // A stops (a crash would do the same): its claims age, and B delivers every row.
    await a.close(100);
    await sleep(1_200);
    expect(await b.sweep()).toBe(3);
    await b.idle();
    expect(seen.sort()).toEqual([...sids].sort());
    await b.close();
  });
});
