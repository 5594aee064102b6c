// The fake model's answer to a `turn_understanding` request (lib/ai/understand.ts): which language the
// customer writes in, what they want, and what to search the catalog for, in the catalog's language.
// Deterministic: phrase patterns for the intents, the lexicon for languages and search terms.
import { PICTURE_NOTE, type TurnIntent, type TurnUnderstanding } from '../../lib/ai/understand.js';
import type { FakeChatMessage } from './answer.js';
import { detectLanguage, fold, isAcknowledgementOnly, isGreetingOnly, mentionsProduct, searchTerms, type Lang } from './language.js';
import { questionTopics } from './policy.js';

// Patterns run on folded text (lower case, no accents, ß → ss) with punctuation turned into spaces.
const OPT_OUT: RegExp[] = [
  // en
  /\b(stop|quit|cease)\b.{0,20}\b(send(ing)?|text(ing)?|messag(e|es|ing)|msg|contact(ing)?|writ(e|ing)|spam(ming)?|bother(ing)?|notif\w*)\b/,
  /\bno more (messages|texts|msgs|notifications|spam|whatsapps?)\b/,
  /\bunsubscribe\b/,
  /\bopt (me )?out\b/,
  /\bremove me from\b/,
  /\b(don t|do not|dont|never) (send|message|text|contact|write)( to)? (me|us)\b/,
  /\bleave me alone\b/,
  /^(stop|stop it|stop please|please stop|stop all)$/,
  // es
  /\b(deja|dejen|dejad|deje|para|paren|pare|basta) (ya )?de (enviar|mandar|escribir|contactar)\w*/,
  /\bno (quiero|deseo) (recibir )?(mas )?(mensajes|notificaciones|whatsapps?)\b/,
  /\bno me (envien|envies|manden|mandes|escriban|escribas|contacten)\w*( mas)?\b/,
  /\b(dar(me)?|dame|denme|darse) de baja\b/,
  /\b(cancelar|anular) (la |mi )?suscripcion\b/,
  /\bdesuscrib\w*/,
  /^baja$/,
  // pt
  /\bnao (quero|desejo) (receber )?mais (mensagens|notificacoes)\b/,
  /\b(pare|parem|para|parar) de (me )?(enviar|mandar|escrever|receber)\w*/,
  /\bnao me (envie|envia|mande|manda|enviem|mandem)\w*( mais)?\b/,
  /\bdescadastr\w*/,
  /\bcancelar (a |minha )?(inscricao|assinatura)\b/,
  /\bsair da lista\b/,
  // de
  /\bkeine (nachrichten|mitteilungen|werbung|messages|sms|whatsapps?) mehr\b/,
  /\bho(e)?r\w* (bitte |sofort |endlich )*auf\b.{0,40}\b(schreiben|senden|schicken|nachrichten)\b/,
  /\b(schreib|schreiben|schreibt|schickt|schicken|sendet|senden)\w* (sie |ihr )?mir (bitte )?(keine|nicht mehr)\b/,
  /\b(abmelden|abbestellen|austragen)\b/,
  // fr
  /\b(arret|arrete|arretez|cessez|cesse)\w* de (m |me |nous )?(envoyer|ecrire|contacter|spammer)\w*/,
  /\bne (m |me )?(envoyez|envoie|ecrivez|contactez)\w* plus\b/,
  /^(je ne veux )?plus de (messages|sms|notifications)\b/,
  /\bje ne veux plus (recevoir )?(de |vos )?messages\b/,
  /\b(desinscri|desabonn)\w*/,
  // it
  /\b(smett|smetti|smettete|smettila|basta)\w* (di )?(mandar|inviar|scriver)\w*/,
  /\bnon (voglio|desidero) (ricevere )?piu (messaggi|notifiche)\b/,
  /\bbasta (con i )?messaggi\b/,
  /\b(disiscriv|cancellami)\w*/,
  /\bnon (mandatemi|scrivetemi|inviatemi) piu\b/,
];

const OPT_IN: RegExp[] = [
  /\b(start|resume|restart)\b.{0,30}\b(send(ing)?|text(ing)?|messag\w*)\b.{0,30}\bagain\b/,
  /\b(start|resume|restart) (the )?messages\b/,
  /\b(subscribe|resubscribe) me\b/,
  /\bopt (me )?(back )?in\b/,
  /^(start|unstop)$/,
  /\b(want|like) to (receive|get) (your )?messages again\b/,
  /\bvolver a recibir\b/,
  /\b(envi|mand)\w* (mensajes )?(de nuevo|otra vez)\b/,
  /\b(suscribirme|darme de alta|dame de alta)\b/,
  /\bvoltar a receber\b/,
  /\breceber (as )?mensagens (de novo|novamente)\b/,
  /\bwieder (nachrichten|mitteilungen)\b/,
  /\bnachrichten wieder\b/,
  /\bwieder anmelden\b/,
  /\brecevoir\b.{0,25}\b(a|de) nouveau\b/,
  /\b(me reabonner|reinscri\w*)\b/,
  /\bricevere (di nuovo|nuovamente|ancora) (i )?messaggi\b/,
  /\bricevere (i )?messaggi (di nuovo|nuovamente)\b/,
];

const HUMAN: RegExp[] = [
  /\b(human|humans|representative|operator|real person|live person|live agent|customer service|customer support)\b/,
  /\b(an|the|your|a real|real) agent\b/,
  /^agent$/,
  /\b(talk|speak|chat)\w* (to|with) (a |an |some |your )?(person|someone|somebody|human|agent|manager|staff|people|real)\b/,
  /\b(hablar|habla|comunicar\w*) con (una |un |alguna |algun )?(persona|humano|agente|asesor|alguien|operador|encargado)\b/,
  /\b(humano|persona real|asesor|asesora)\b/,
  /\bfalar com (um |uma |algum |alguma )?(atendente|pessoa|humano|alguem|agente|operador|vendedor)\b/,
  /\b(atendente|pessoa real)\b/,
  /\b(menschen|mensch|mitarbeiter|mitarbeiterin|berater|beraterin|echte person|echten person)\b.{0,20}\b(sprechen|reden)\b/,
  /\b(kundenservice|kundendienst)\b/,
  /\bparler (a|avec) ((un |une |un vrai |une vraie )?(conseiller|conseillere|personne|humain|agent|operateur|vendeur)|quelqu un)\b/,
  /\b(humain|conseiller|conseillere|vraie personne)\b/,
  /\bparlare con ((un |una |un vero )?(operatore|persona|umano|agente|consulente)|qualcuno)\b/,
  /\b(operatore|umano|persona reale)\b/,
];

/** The customer's current turn (user messages after the last assistant one), PICTURE_NOTE removed. */
function turnOf(messages: FakeChatMessage[]): { text: string; picture: boolean } {
  let start = 0;
  messages.forEach((m, i) => {
    if (m.role === 'assistant') start = i + 1;
  });
  const users = messages.slice(start).filter((m) => m.role === 'user');
  const raw = users.map((m) => m.content).join('\n');
  const picture = users.some((m) => (m.images ?? 0) > 0) || raw.includes(PICTURE_NOTE);
  return { text: raw.split(PICTURE_NOTE).join(' ').trim(), picture };
}

/** Product names from the `<catalog-sample>` block ("- Leather Backpack" lines). */
export function catalogSampleOf(messages: FakeChatMessage[]): string[] {
  const system = messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => m.content).join('\n');
  const names: string[] = [];
  for (const block of system.matchAll(/<catalog-sample>([\s\S]*?)(?:<\/catalog-sample>|$)/g)) {
    for (const line of (block[1] ?? '').split(/\r?\n/)) {
      const name = /^\s*-\s*(.+?)\s*$/.exec(line)?.[1];
      if (name) names.push(name);
    }
  }
  return names;
}

/** Folded text with punctuation as spaces, for the intent patterns. */
function patternText(text: string): string {
  return fold(text).replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

export function classifyIntent(text: string, language: Lang, picture: boolean): TurnIntent {
  const t = patternText(text);
  if (t === '') return picture ? 'question' : isAcknowledgementOnly(text) ? 'other' : 'question';
  const product = mentionsProduct(text, language);
  // "Stop sending me the red one, I want the blue one" is about products, not about messages.
  if (!product && OPT_OUT.some((re) => re.test(t))) return 'opt_out';
  if (!product && OPT_IN.some((re) => re.test(t))) return 'opt_in';
  if (HUMAN.some((re) => re.test(t))) return 'human';
  if (isGreetingOnly(text)) return picture ? 'question' : 'greeting';
  if (isAcknowledgementOnly(text)) return picture ? 'question' : 'other';
  return 'question';
}

/** The fake's structured answer to a `turn_understanding` request. */
export function understandTurn(messages: FakeChatMessage[]): TurnUnderstanding {
  const { text, picture } = turnOf(messages);
  const sample = catalogSampleOf(messages);
  const language = detectLanguage(text);
  const intent = classifyIntent(text, language, picture);
  const catalogLanguage = sample.length > 0 ? detectLanguage(sample.join('\n')) : 'en';
  const terms = intent === 'question' ? searchTerms(text, { source: language, target: catalogLanguage, sampleNames: sample }) : [];
  // Policy topics (shipping, returns…) only for questions, and only when there are some (absent = none).
  const topics = intent === 'question' ? questionTopics(text) : [];
  return topics.length > 0 ? { language, intent, searchTerms: terms, topics } : { language, intent, searchTerms: terms };
}

export function understandingAnswer(messages: FakeChatMessage[]): string {
  return JSON.stringify(understandTurn(messages));
}
