// Hand-off rules: when the agent stops and a person takes over. The customer asks for one (the turn's
// understood intent `human`, any language), the merchant's keywords appear in the turn, or the agent fell
// back twice in a row. Business hours add one: the shop opened after WhatsApp's 24-hour window had closed,
// so the turn held since the away message cannot be answered by the AI (`window_closed_while_away`). The conversation is then paused for the AI (like a takeover), the customer is told
// someone will follow up, and the merchant is notified (dashboard badge, "needs you" filter, email).
import type { HandoffRules } from './settings.js';

export const HANDOFF_REASONS = ['customer_asked', 'keyword', 'repeated_fallback', 'window_closed_while_away'] as const;
export type HandoffReason = (typeof HANDOFF_REASONS)[number];

/** Who paused the AI when the rules did (conversations.ai_paused_by; a person's pause holds their user id). */
export const HANDOFF_ACTOR = 'agent';

/** The first merchant keyword the turn contains (case, accents and punctuation ignored, whole words), or null. */
export function matchedKeyword(rules: Pick<HandoffRules, 'keywords'>, turnText: string): string | null {
  const text = ` ${fold(turnText)} `;
  for (const keyword of rules.keywords) {
    const needle = fold(keyword);
    if (needle && text.includes(` ${needle} `)) return keyword;
  }
  return null;
}

/**
 * Which rule (if any) hands this turn over before an answer is drafted: an explicit request for a person,
 * else a merchant keyword. Repeated fallbacks are decided after drafting (handOffAfterFallback).
 */
export function handoffBeforeDraft(rules: HandoffRules, intent: string, turnText: string): { reason: HandoffReason; keyword?: string } | null {
  if (rules.onRequest && intent === 'human') return { reason: 'customer_asked' };
  const keyword = matchedKeyword(rules, turnText);
  return keyword ? { reason: 'keyword', keyword } : null;
}

/** A second fallback in a row hands over (when the merchant keeps that rule on). */
export function handOffAfterFallback(rules: HandoffRules, fallback: boolean, previousFallback: boolean): boolean {
  return rules.afterFallbacks && fallback && previousFallback;
}

const TOLD: Record<string, (shop: string) => string> = {
  en: (shop) => `Thanks! I've passed your message to a person at ${shop}; someone will follow up with you here shortly.`,
  es: (shop) => `¡Gracias! He pasado tu mensaje a una persona de ${shop}; alguien te responderá por aquí en breve.`,
  pt: (shop) => `Obrigado! Passei sua mensagem para uma pessoa da ${shop}; alguém vai responder aqui em breve.`,
  de: (shop) => `Danke! Ich habe Ihre Nachricht an eine Person von ${shop} weitergegeben; jemand meldet sich hier in Kürze bei Ihnen.`,
  fr: (shop) => `Merci ! J'ai transmis votre message à une personne de ${shop} ; quelqu'un vous répondra ici très bientôt.`,
  it: (shop) => `Grazie! Ho passato il tuo messaggio a una persona di ${shop}; qualcuno ti risponderà qui a breve.`,
};

/** What the customer is told: the merchant's own words, else a default in the customer's language. */
export function handoffMessage(rules: Pick<HandoffRules, 'message'>, shop: string, language: string): string {
  if (rules.message.trim()) return rules.message.trim();
  return (TOLD[language] ?? TOLD.en!)(shop);
}

/** The reason in the merchant's words (email, dashboard). */
export function describeHandoff(reason: HandoffReason | string): string {
  switch (reason) {
    case 'customer_asked':
      return 'The customer asked to talk to a person.';
    case 'keyword':
      return 'The customer wrote one of your hand-off keywords.';
    case 'repeated_fallback':
      return 'The AI could not give a checked answer twice in a row.';
    case 'window_closed_while_away':
      return "The customer wrote while the shop was closed, and WhatsApp's 24-hour window had closed by the time it opened, so the AI could not answer.";
    default:
      return 'The AI handed this conversation to you.';
  }
}

/** The email to the merchant; no customer text in it (the dashboard shows the thread). */
export function handoffEmail(input: { shop: string; customer: string; reason: string; url: string }): { subject: string; text: string } {
  return {
    subject: `A customer needs you (${input.customer})`,
    text: [
      `Hello from WARA,`,
      '',
      `${describeHandoff(input.reason)} Conversation with ${input.customer} at ${input.shop}.`,
      input.reason === 'window_closed_while_away'
        ? 'The AI is paused for this conversation. WhatsApp now only allows an approved template until the customer writes again.'
        : 'The AI is paused for this conversation and the customer was told someone will follow up.',
      'Reply by hand from the dashboard, then hand it back to the AI when you are done:',
      input.url,
    ].join('\n'),
  };
}

function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}
