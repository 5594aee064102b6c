// When a customer's message is done with, as SQL: its own module so the API's relay thread can use it
// without loading the reply code (no-reply.ts, reply-store.ts).

/**
 * An inbound message (columns of `messages`, unqualified) is settled once its turn was answered (the reply row
 * marks every message of the turn with its key) or a reason it gets no reply was recorded (no-reply.ts). The
 * relay frees a shop's turn on it and sheds only what is not; a duplicate delivery of a settled message is not
 * handed off again (inbound-store.ts).
 */
export const MESSAGE_SETTLED = '(turn_key_sid IS NOT NULL OR no_reply_reason IS NOT NULL)';
