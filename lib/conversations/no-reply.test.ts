import { describe, expect, it } from 'vitest';
import { noReplyReasons } from './no-reply.js';

const inbound = (sid: string, noReplyReason: string | null = null) => ({ direction: 'inbound' as const, providerMessageSid: sid, replyToMessageSid: null, noReplyReason });
const reply = (to: string | null) => ({ direction: 'outbound' as const, providerMessageSid: null, replyToMessageSid: to, noReplyReason: null });

describe('why a message shows no reply', () => {
  it('a burst answered once: the earlier messages were answered with the last', () => {
    expect(noReplyReasons([inbound('a'), inbound('b'), inbound('c'), reply('c')])).toEqual(['answered_with_next', 'answered_with_next', null, null]);
  });

  it('stored reasons are shown; the messages of a burst share its last message\'s reason', () => {
    expect(noReplyReasons([inbound('a'), inbound('b', 'ai_paused')])).toEqual(['ai_paused', 'ai_paused']);
    expect(noReplyReasons([inbound('a', 'opted_out'), inbound('b'), inbound('c'), reply('c')])).toEqual(['opted_out', 'answered_with_next', null, null]);
  });

  it('a turn still being answered shows nothing, and an outbound message ends a burst', () => {
    expect(noReplyReasons([inbound('a'), reply(null), inbound('b'), reply('b'), inbound('c')])).toEqual([null, null, null, null, null]);
  });
});
