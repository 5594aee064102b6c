// Opt-out keywords, as carriers and Twilio's Advanced Opt-Out recognise them: the whole message, any case,
// surrounding punctuation ignored. "Stop sending me the red one" is a question, not an opt-out.
import type { Channel } from './addresses.js';

export type OptOutIntent = 'stop' | 'start' | 'help';

const STOP = new Set(['stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'optout', 'opt-out', 'revoke']);
const START = new Set(['start', 'unstop', 'subscribe', 'optin', 'opt-in']);
const HELP = new Set(['help', 'info']);

// Twilio's SMS opt-in keywords add YES; on WhatsApp a bare "yes" is an ordinary answer to the AI.
const SMS_START = new Set([...START, 'yes']);

export function optOutIntent(body: string, channel: Channel = 'whatsapp'): OptOutIntent | null {
  const word = body.trim().toLowerCase().replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '');
  if (STOP.has(word)) return 'stop';
  if ((channel === 'sms' ? SMS_START : START).has(word)) return 'start';
  if (HELP.has(word)) return 'help';
  return null;
}

export const OPT_OUT_CONFIRMATION =
  'You have been unsubscribed and will not receive more automated messages from us. Reply START to resubscribe.';
export const OPT_IN_CONFIRMATION = 'You are subscribed again. Ask us anything about our products!';

// The confirmation in the customer's language when they asked in words (the keyword START works in all).
const OPT_OUT_CONFIRMATIONS: Record<string, string> = {
  en: OPT_OUT_CONFIRMATION,
  es: 'Te hemos dado de baja y no recibirás más mensajes automáticos. Responde START para volver a suscribirte.',
  pt: 'Você foi descadastrado e não receberá mais mensagens automáticas. Responda START para voltar a receber.',
  de: 'Sie wurden abgemeldet und erhalten keine automatischen Nachrichten mehr. Antworten Sie START, um sie wieder zu erhalten.',
  fr: 'Vous êtes désinscrit et ne recevrez plus de messages automatiques. Répondez START pour vous réinscrire.',
  it: 'Sei stato disiscritto e non riceverai più messaggi automatici. Rispondi START per iscriverti di nuovo.',
};

export function optOutConfirmation(language: string | null = null): string {
  return (language && Object.hasOwn(OPT_OUT_CONFIRMATIONS, language) ? OPT_OUT_CONFIRMATIONS[language] : undefined) ?? OPT_OUT_CONFIRMATION;
}
