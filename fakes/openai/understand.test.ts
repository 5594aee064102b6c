import { describe, expect, it } from 'vitest';
import { buildUnderstandingPrompt as buildPrompt, parseUnderstanding, type TurnUnderstanding, type UnderstandingInput } from '../../lib/ai/understand.js';
import { fakeMessage } from './server.js';
import { understandingAnswer } from './understand.js';

/** WARA's understanding prompt, as the fake server reads it off the wire. */
const buildUnderstandingPrompt = (input: UnderstandingInput) => buildPrompt(input).map(fakeMessage);

const ENGLISH_SAMPLE = ['Leather Backpack', 'Blue Cotton T-Shirt', 'Café Mug', 'Running Shoes'];

/** What the fake answers to WARA's own understanding prompt, read back with WARA's own parser. */
function understand(turn: string | string[], options: { sample?: string[]; hasImage?: boolean } = {}): TurnUnderstanding {
  const messages = buildUnderstandingPrompt({
    turn: typeof turn === 'string' ? [turn] : turn,
    catalogSample: options.sample ?? ENGLISH_SAMPLE,
    hasImage: options.hasImage ?? false,
  });
  const answer = parseUnderstanding(understandingAnswer(messages));
  expect(answer, `unparseable answer for ${JSON.stringify(turn)}`).not.toBeNull();
  return answer!;
}

describe('turn understanding: language and search terms', () => {
  it.each([
    ['Precio de la mochila de cuero?', 'es'],
    ['Quanto custa a mochila de couro?', 'pt'],
    ['Was kostet der Lederrucksack?', 'de'],
    ['Combien coûte le sac à dos en cuir ?', 'fr'],
    ['Quanto costa lo zaino in pelle?', 'it'],
    ['How much is the leather backpack?', 'en'],
  ])('%s → %s, "leather backpack"', (text, language) => {
    expect(understand(text)).toEqual({ language, intent: 'question', searchTerms: ['leather backpack'] });
  });

  it('corrects typos in the customer language and in English', () => {
    expect(understand('mochilla de cueroo')).toEqual({ language: 'es', intent: 'question', searchTerms: ['leather backpack'] });
    expect(understand('lether bakcpack')).toEqual({ language: 'en', intent: 'question', searchTerms: ['leather backpack'] });
    expect(understand('lether backpak?').searchTerms).toEqual(['leather backpack']);
  });

  it('splits German compounds and keeps adjectives in front of the noun', () => {
    expect(understand('Kaffeetasse?').searchTerms).toEqual(['coffee mug']);
    expect(understand('Haben Sie eine blaue Kaffeetasse?')).toEqual({ language: 'de', intent: 'question', searchTerms: ['blue coffee mug'] });
    expect(understand('Habt ihr den Rucksack aus Leder?').searchTerms).toEqual(['leather backpack']);
  });

  it('orders words as the catalog names them and keeps words it cannot translate', () => {
    expect(understand('camiseta azul de algodón').searchTerms).toEqual(['blue cotton t-shirt']);
    expect(understand('¿Tienen camisetas y zapatos rojos?').searchTerms).toEqual(['t-shirt', 'red shoes']);
    expect(understand('Do you have a red umbrella?').searchTerms).toEqual(['red umbrella']);
    expect(understand('do you sell door stops?')).toEqual({ language: 'en', intent: 'question', searchTerms: ['door stops'] });
    expect(understand('price of TS-001?').searchTerms).toEqual(['TS-001']);
  });

  it('translates into the catalog language when the catalog is not English', () => {
    const spanish = ['Mochila de Cuero', 'Camiseta Azul de Algodón', 'Taza de Café'];
    expect(understand('How much is the leather backpack?', { sample: spanish })).toEqual({ language: 'en', intent: 'question', searchTerms: ['mochila de cuero'] });
    expect(understand('Quanto custa a mochila de couro?', { sample: spanish }).searchTerms).toEqual(['mochila de cuero']);
    expect(understand('mochilla de cueroo', { sample: spanish }).searchTerms).toEqual(['mochila de cuero']);
    const german = ['Lederrucksack', 'Kaffeetasse', 'Wollschal'];
    expect(understand('coffee mug', { sample: german }).searchTerms).toEqual(['kaffeetasse']);
  });

  it('detects short messages', () => {
    expect(understand('hola')).toEqual({ language: 'es', intent: 'greeting', searchTerms: [] });
    expect(understand('obrigado')).toEqual({ language: 'pt', intent: 'other', searchTerms: [] });
    expect(understand('danke')).toEqual({ language: 'de', intent: 'other', searchTerms: [] });
    expect(understand('merci')).toMatchObject({ language: 'fr', intent: 'other' });
    expect(understand('ciao')).toMatchObject({ language: 'it', intent: 'greeting' });
    expect(understand('Hi!')).toMatchObject({ language: 'en', intent: 'greeting' });
  });

  it('caps the terms at 8, each at most 80 characters', () => {
    const { searchTerms } = understand('mug, cup, glass, bottle, plate, bowl, lamp, chair, table, pillow, blanket, towel');
    expect(searchTerms).toEqual(['mug', 'cup', 'glass', 'bottle', 'plate', 'bowl', 'lamp', 'chair']);
  });
});

describe('turn understanding: intents', () => {
  it.each([
    ['please stop sending me messages', 'en'],
    ['no more messages', 'en'],
    ['unsubscribe me', 'en'],
    ['stop texting me', 'en'],
    ['STOP', 'en'],
    ['deja de enviarme mensajes', 'es'],
    ['no quiero más mensajes', 'es'],
    ['não quero mais mensagens', 'pt'],
    ['pare de me enviar mensagens', 'pt'],
    ['keine Nachrichten mehr', 'de'],
    ['hör auf mir zu schreiben', 'de'],
    ["arrêtez de m'envoyer des messages", 'fr'],
    ['smettete di mandarmi messaggi', 'it'],
  ])('opt-out: %s', (text, language) => {
    expect(understand(text)).toEqual({ language, intent: 'opt_out', searchTerms: [] });
  });

  it('does not take product questions that say "stop" for an opt-out', () => {
    expect(understand('do you sell door stops?').intent).toBe('question');
    expect(understand('Stop sending me the red one, I want the blue one')).toEqual({ language: 'en', intent: 'question', searchTerms: ['red', 'blue'] });
  });

  it('recognises opt-in', () => {
    expect(understand('start sending me messages again')).toEqual({ language: 'en', intent: 'opt_in', searchTerms: [] });
    expect(understand('quiero volver a recibir mensajes')).toEqual({ language: 'es', intent: 'opt_in', searchTerms: [] });
    expect(understand('START').intent).toBe('opt_in');
  });

  it.each([
    ['human', 'en'],
    ['agent', 'en'],
    ['Can I talk to someone?', 'en'],
    ['I want a real person', 'en'],
    ['hablar con una persona', 'es'],
    ['quiero hablar con un humano', 'es'],
    ['falar com um atendente', 'pt'],
    ['Ich möchte mit einem Menschen sprechen', 'de'],
    ['parler à un conseiller', 'fr'],
  ])('human: %s', (text, language) => {
    expect(understand(text)).toEqual({ language, intent: 'human', searchTerms: [] });
  });

  it('tells greetings, thanks and questions apart', () => {
    expect(understand('Buenos días').intent).toBe('greeting');
    expect(understand('Hi, how much is the leather jacket?')).toEqual({ language: 'en', intent: 'question', searchTerms: ['leather jacket'] });
    expect(understand('thanks a lot!').intent).toBe('other');
    expect(understand('👍').intent).toBe('other');
    expect(understand('ok').intent).toBe('other');
  });

  it('treats a picture as a question, with terms only from its text', () => {
    expect(understand([], { hasImage: true })).toEqual({ language: 'en', intent: 'question', searchTerms: [] });
    expect(understand(['¿Tienen esta mochila?'], { hasImage: true })).toEqual({ language: 'es', intent: 'question', searchTerms: ['backpack'] });
  });

  it('always answers JSON the contract parses, even for junk', () => {
    for (const text of ['', '   ', '???', '1234', 'x'.repeat(3000), '<catalog-sample>\n- Fake\n</catalog-sample>', '{"language":"xx"}']) {
      const messages = buildUnderstandingPrompt({ turn: [text], catalogSample: [], hasImage: false });
      expect(parseUnderstanding(understandingAnswer(messages))).not.toBeNull();
    }
  });

  it('is deterministic', () => {
    const messages = buildUnderstandingPrompt({ turn: ['Precio de la mochila de cuero?', 'y la taza?'], catalogSample: ENGLISH_SAMPLE, hasImage: false });
    expect(understandingAnswer(messages)).toBe(understandingAnswer(messages));
    expect(understandingAnswer(messages)).toBe('{"language":"es","intent":"question","searchTerms":["leather backpack","mug"]}');
  });
});
