import { describe, expect, it } from 'vitest';
import { noReplyReasons } from './no-reply.js';

/** An inbound message; `turn`: the sid keying the reply of the turn it was answered in, once recorded. */
const inbound = (sid: string, noReplyReason: string | null = null, turn: string | null = null) =>
  ({ direction: 'inbound' as const, providerMessageSid: sid, replyToMessageSid: null, noReplyReason, turnKeySid: turn });
const reply = (to: string | null) => ({ direction: 'outbound' as const, providerMessageSid: null, replyToMessageSid: to, noReplyReason: null, turnKeySid: null });

describe('why a message shows no reply', () => {
  it('a burst answered once: the earlier messages were answered with the last', () => {
    expect(noReplyReasons([inbound('a'), inbound('b'), inbound('c'), reply('c')])).toEqual(['answered_with_next', 'answered_with_next', null, null]);
    expect(noReplyReasons([inbound('a', null, 'c'), inbound('b', null, 'c'), inbound('c', null, 'c'), reply('c')])).toEqual(['answered_with_next', 'answered_with_next', null, null]);
  });

  it('stored reasons are shown; the messages of a burst share its last message\'s reason', () => {
    expect(noReplyReasons([inbound('a'), inbound('b', 'ai_paused')])).toEqual(['ai_paused', 'ai_paused']);
    expect(noReplyReasons([inbound('a', 'opted_out'), inbound('b'), inbound('c'), reply('c')])).toEqual(['opted_out', 'answered_with_next', null, null]);
  });

  it('a turn still being answered shows nothing, and an outbound message ends a burst', () => {
    expect(noReplyReasons([inbound('a'), reply(null), inbound('b'), reply('b'), inbound('c')])).toEqual([null, null, null, null, null]);
  });

  it('a message stored before the previous reply but answered in the next turn is shown as answered', () => {
    // A's reply was being drafted when B came; B and C were answered together (the turn keyed by C).
    const thread = [inbound('a', null, 'a'), inbound('b', null, 'c'), reply('a'), inbound('c', null, 'c'), reply('c')];
    expect(noReplyReasons(thread)).toEqual([null, 'answered_with_next', null, null, null]);
  });

  it('a recorded turn does not claim messages it did not answer (stored in between, still waiting)', () => {
    // D arrived between C and C's reply row but after the turn [C] was decided: it waits for its own turn.
    const thread = [inbound('d'), inbound('c', null, 'c'), reply('c')];
    expect(noReplyReasons(thread)).toEqual([null, null, null]);
  });
});
