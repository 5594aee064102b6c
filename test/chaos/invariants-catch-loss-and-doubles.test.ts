// The fault suite's checker, on made-up evidence: it must see a lost message, a doubled send, a message
// answered twice, a reply that gave up, a message nobody answered, and accept bursts and direct answers.
// (A checker that passes everything would make the suite's green meaningless.)
import { describe, expect, test } from 'vitest';
import { checkMessages, type Evidence } from '../../scripts/chaos/invariants.js';
import type { DeliveryOutcome, PlannedMessage } from '../../scripts/chaos/traffic.js';
import { turnsOf, type ConversationTurns } from '../../scripts/chaos/turns.js';

const CUSTOMER = '+15550000001';
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s));
const sid = (n: number) => `SM${String(n).padStart(32, '0')}`;

function planned(n: number): PlannedMessage {
  return { sid: sid(n), customer: CUSTOMER, customerIndex: 0, seq: n, body: `question ${n}`, duplicates: 0, dueMs: n * 1000, reordered: false };
}

function delivered(message: PlannedMessage): DeliveryOutcome {
  const attempt = { at: 0, statusCode: 200, error: null, durationMs: 5, responseBody: '' };
  return {
    message,
    error: null,
    deliveries: [{ id: 'WH1', kind: 'inbound', accountSid: 'AC1', messageSid: message.sid, url: 'http://api/webhooks/twilio/whatsapp', method: 'POST', params: {}, signature: '', idempotencyToken: 't', attempts: [attempt], ok: true, done: true }],
  };
}

const reply = (id: string, to: string, providerSid: string | null, second: number) => ({
  id, conversation_id: 'c1', reply_to_message_sid: to, provider_message_sid: providerSid, status: providerSid ? 'delivered' : 'queued', source: 'ai',
  body: `answer ${id}`, error_code: null, error_message: null, fallback: false, send_attempts: providerSid ? 1 : 0, created_at: at(second),
});

/** Customer writes 1, 2, 3; the workflow answers [1, 2] with reply r2, then [3] with r3. */
function world(): { plan: PlannedMessage[]; evidence: Evidence; turns: Map<string, ConversationTurns> } {
  const plan = [planned(1), planned(2), planned(3)];
  const inbound = plan.map((m, i) => ({ id: `in${i + 1}`, sid: m.sid, conversation_id: 'c1', created_at: at(i * 2), no_reply_reason: null, turn_key_sid: null }));
  const outbound = [reply('r2', sid(2), 'SMr2', 3), reply('r3', sid(3), 'SMr3', 5)];
  const sentByTwilio = new Map([
    ['SMr2', { to: `whatsapp:${CUSTOMER}`, body: 'answer r2', at: at(3).getTime() }],
    ['SMr3', { to: `whatsapp:${CUSTOMER}`, body: 'answer r3', at: at(5).getTime() }],
  ]);
  const turns = new Map([['c1', { turns: [{ sids: [sid(1), sid(2)], lastSid: sid(2) }, { sids: [sid(3)], lastSid: sid(3) }], untaken: [], continued: false, anomalies: [] }]]);
  return {
    plan,
    evidence: { inbound, outbound, conversations: [{ id: 'c1', customer_address: `whatsapp:${CUSTOMER}`, workflow_id: 'conversation:t:c' }], handoffs: 0, sentByTwilio },
    turns,
  };
}

const check = (w: ReturnType<typeof world>, outcomes = w.plan.map(delivered)) => checkMessages(w.plan, outcomes, w.evidence, w.turns);
const invariants = (r: ReturnType<typeof checkMessages>) => [...new Set(r.violations.map((v) => v.invariant))];

describe('the fault suite checker', () => {
  test('accepts a burst answered with its last message and direct answers', () => {
    const result = check(world());
    expect(result.violations).toEqual([]);
    expect(result.counts).toMatchObject({ stored: 3, answeredDirectly: 2, answeredInBurst: 1, unanswered: 0, repliesSent: 2, sentAtTwilio: 2, duplicates: 0, turns: 2, orphanDrafts: 0 });
  });

  test('sees a message that was never stored', () => {
    const w = world();
    w.evidence.inbound = w.evidence.inbound.filter((m) => m.sid !== sid(2));
    expect(invariants(check(w))).toContain('every inbound message is stored');
  });

  test('sees a reply the stand-in sent twice', () => {
    const w = world();
    w.evidence.sentByTwilio.set('SMtwin', { to: `whatsapp:${CUSTOMER}`, body: 'answer r3', at: at(6).getTime() });
    const result = check(w);
    expect(invariants(result)).toEqual(['no reply was sent twice']);
    expect(result.violations[0]!.detail).toContain('same text as reply r3');
    expect(result.counts.duplicates).toBe(1);
  });

  test('sees a message answered twice: a reply drafted for a turn the workflow never recorded, sent as well', () => {
    const w = world();
    // A workflow task drafted and sent [1] alone, died before completing; run again, it answered [1, 2].
    w.evidence.outbound.unshift(reply('r1', sid(1), 'SMr1', 1));
    w.evidence.sentByTwilio.set('SMr1', { to: `whatsapp:${CUSTOMER}`, body: 'answer r1', at: at(1).getTime() });
    const result = check(w);
    expect(invariants(result)).toEqual(['no message is answered twice']);
    expect(result.violations[0]!.detail).toContain(`the recorded turn holding ${sid(1)} is [${sid(1)}, ${sid(2)}]`);
    // Not sent: an orphaned draft (queued for ever, usage counted).
    w.evidence.outbound[0]!.provider_message_sid = null;
    w.evidence.sentByTwilio.delete('SMr1');
    expect(invariants(check(w))).toEqual(['every drafted reply belongs to a turn the workflow recorded', 'every intended reply is sent']);
  });

  test('sees a reply that gave up sending, and one never sent', () => {
    const w = world();
    Object.assign(w.evidence.outbound[1]!, { provider_message_sid: null, status: 'failed', error_code: 'send_gave_up', error_message: 'Twilio kept failing' });
    w.evidence.sentByTwilio.delete('SMr3');
    expect(invariants(check(w))).toEqual(['no reply gave up sending']);
    Object.assign(w.evidence.outbound[1]!, { status: 'queued', error_code: null });
    expect(invariants(check(w))).toEqual(['every intended reply is sent']);
  });

  test('sees a message in no turn, and one the thread shows unanswered although a later turn answered it', () => {
    const w = world();
    w.turns.get('c1')!.turns.pop();
    w.turns.get('c1')!.untaken.push(sid(3));
    expect(invariants(check(w))).toContain('every stored message is answered by a turn of its workflow');

    const v = world();
    // The workflow took 2 into the turn [2, 3], but r1 (for [1]) was written after 2 was stored.
    v.evidence.outbound = [reply('r1', sid(1), 'SMr1', 3), reply('r3', sid(3), 'SMr3', 5)];
    v.evidence.sentByTwilio = new Map([
      ['SMr1', { to: `whatsapp:${CUSTOMER}`, body: 'answer r1', at: at(3).getTime() }],
      ['SMr3', { to: `whatsapp:${CUSTOMER}`, body: 'answer r3', at: at(5).getTime() }],
    ]);
    v.turns.set('c1', { turns: [{ sids: [sid(1)], lastSid: sid(1) }, { sids: [sid(2), sid(3)], lastSid: sid(3) }], untaken: [], continued: false, anomalies: [] });
    const result = check(v);
    expect(invariants(result)).toEqual(['every stored inbound message is answered (or says why not)']);
    expect(result.violations[0]!.detail).toContain(`the workflow answered it in the turn [${sid(2)}, ${sid(3)}] with reply r3`);
    expect(result.counts.answeredLater).toBe(1);
  });

  test('sees a webhook Twilio never got accepted, and a 4xx', () => {
    const w = world();
    const outcomes = w.plan.map(delivered);
    const failed = outcomes[0]!.deliveries[0]!;
    failed.ok = false;
    failed.attempts = [{ at: 0, statusCode: 429, error: null, durationMs: 1, responseBody: 'rate_limited' }];
    expect(invariants(check(w, outcomes))).toEqual(['every message was delivered', 'no webhook refused with 4xx (final, here as at Twilio)']);
  });
});

describe('turns read back from a conversation workflow history', () => {
  const payload = (value: unknown) => ({ payloads: [{ data: new TextEncoder().encode(JSON.stringify(value)) }] });
  const signal = (s: string) => ({ workflowExecutionSignaledEventAttributes: { signalName: 'inboundMessage', input: payload({ messageSid: s, optOut: null }) } });
  const draft = (messageId: string) => ({
    markerRecordedEventAttributes: { markerName: 'core_local_activity', details: { data: payload({ activity_type: 'draftReply' }), result: payload({ messageId, send: true }) } },
  });

  test('splits the deduplicated signals at each reply key, inline and child', () => {
    const rows = new Map([['row-b', sid(2)], ['row-c', sid(3)]]);
    const inline = turnsOf([signal(sid(1)), signal(sid(2)), draft('row-b'), signal(sid(1)), signal(sid(3)), draft('row-c'), signal(sid(4))], rows);
    expect(inline).toEqual({ turns: [{ sids: [sid(1), sid(2)], lastSid: sid(2) }, { sids: [sid(3)], lastSid: sid(3) }], untaken: [sid(4)], continued: false, anomalies: [] });

    const child = turnsOf([signal(sid(1)), { startChildWorkflowExecutionInitiatedEventAttributes: { workflowId: `reply:${sid(1)}` } }], new Map());
    expect(child.turns).toEqual([{ sids: [sid(1)], lastSid: sid(1) }]);
  });
});
