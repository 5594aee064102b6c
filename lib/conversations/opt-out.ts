// Opt-out keywords, as carriers and Twilio's Advanced Opt-Out recognise them: the whole message, any case,
// surrounding punctuation ignored. "Stop sending me the red one" is a question, not an opt-out.
export type OptOutIntent = 'stop' | 'start' | 'help';

const STOP = new Set(['stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'optout', 'opt-out', 'revoke']);
const START = new Set(['start', 'unstop', 'subscribe', 'optin', 'opt-in']);
const HELP = new Set(['help', 'info']);

export function optOutIntent(body: string): OptOutIntent | null {
  const word = body.trim().toLowerCase().replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '');
  if (STOP.has(word)) return 'stop';
  if (START.has(word)) return 'start';
  if (HELP.has(word)) return 'help';
  return null;
}

export const OPT_OUT_CONFIRMATION =
  'You have been unsubscribed and will not receive more automated messages from us. Reply START to resubscribe.';
export const OPT_IN_CONFIRMATION = 'You are subscribed again. Ask us anything about our products!';
