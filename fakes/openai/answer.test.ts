import { describe, expect, it } from 'vitest';
import { checkAnswer } from '../../lib/ai/answer-check.js';
import { formatCatalogContext, parseCatalogContext } from '../../lib/ai/catalog-context.js';
import { answerLanguageLine, PICTURE_NOTE } from '../../lib/ai/understand.js';
import { answerChat, GREETING_ANSWER, NO_MATCH_ANSWER, PARTIAL_MATCH_NOTE, PICTURE_ANSWER, type FakeChatMessage } from './answer.js';
import { REPLIES } from './replies.js';

const system = {
  role: 'system',
  content: `Answer from the catalog only.\n${formatCatalogContext([
    { sku: 'TS-001', name: 'Blue Cotton T-Shirt', price: '19.90', currency: 'USD', stock: 12 },
    { sku: 'JK-220', name: 'Leather Jacket', price: '149.00', currency: 'USD', stock: 0, description: 'Brown genuine leather' },
    { sku: 'MUG-7', name: 'Café Mug', price: '8.00', currency: 'EUR' },
    { sku: 'SH-9', name: 'Running Shoes', price: '89.50', currency: 'USD', stock: 3 },
  ])}`,
};
const user = (content: string): FakeChatMessage => ({ role: 'user', content });

describe('fake model answers', () => {
  it('ignores accents, case and plurals', () => {
    expect(answerChat([system, user('Do you sell CAFE MUGS?')])).toBe('The Café Mug (SKU MUG-7) costs 8.00 EUR.');
    expect(answerChat([system, user('how much are the running shoe')])).toBe(
      "The Running Shoes (SKU SH-9) costs 89.50 USD. It's in stock.",
    );
  });

  it('finds a product by SKU written loosely and says when out of stock', () => {
    expect(answerChat([system, user('price of jk220?')])).toBe(
      "The Leather Jacket (SKU JK-220) costs 149.00 USD. It's currently out of stock.",
    );
  });

  it('greets greetings, in several languages', () => {
    for (const g of ['Hi!', 'hola buenas tardes', 'Olá', 'good morning']) expect(answerChat([system, user(g)])).toBe(GREETING_ANSWER);
  });

  it('only answers the turn after the last assistant message', () => {
    const answer = answerChat([system, user('leather jacket?'), { role: 'assistant', content: '...' }, user('and the mug?')]);
    expect(answer).toBe('The Café Mug (SKU MUG-7) costs 8.00 EUR.');
  });

  it('greets and says what it could not find in a mixed burst', () => {
    const answer = answerChat([system, user('hello'), user('t-shirt price?'), user('do you have umbrellas?')]);
    expect(answer).toBe(["Hello!", "The Blue Cotton T-Shirt (SKU TS-001) costs 19.90 USD. It's in stock.", PARTIAL_MATCH_NOTE].join('\n'));
  });

  it('does not match on filler words alone and has no catalog to invent from', () => {
    expect(answerChat([system, user('what do you have in stock please?')])).toBe(NO_MATCH_ANSWER);
    expect(answerChat([user('how much is the leather jacket?')])).toBe(NO_MATCH_ANSWER);
  });
});

describe('fake model answers in the customer language', () => {
  const englishCatalog = {
    role: 'system',
    content: `Relevant products from the catalog:\n${formatCatalogContext([
      { sku: 'BP-100', name: 'Leather Backpack', price: '89.00', currency: 'USD', stock: 4 },
      { sku: 'TS-001', name: 'Blue Cotton T-Shirt', price: '19.90', currency: 'USD', stock: 0 },
      { sku: 'MUG-7', name: 'Café Mug', price: '8.00', currency: 'EUR' },
    ])}`,
  };
  const draft = (language: string | null, ...turn: FakeChatMessage[]) =>
    answerChat([englishCatalog, ...(language ? [{ role: 'system', content: answerLanguageLine(language) }] : []), ...turn]);
  const catalog = parseCatalogContext(englishCatalog.content);

  it.each([
    ['es', 'Precio de la mochila de cuero?', 'Leather Backpack (SKU BP-100) cuesta 89.00 USD. Está disponible.'],
    ['pt', 'Quanto custa a mochila de couro?', 'Leather Backpack (SKU BP-100) custa 89.00 USD. Está disponível em estoque.'],
    ['de', 'Was kostet der Lederrucksack?', 'Leather Backpack (SKU BP-100) kostet 89.00 USD. Der Artikel ist auf Lager.'],
    ['fr', 'Combien coûte le sac à dos en cuir ?', 'Leather Backpack (SKU BP-100) coûte 89.00 USD. Cet article est en stock.'],
    ['it', 'Quanto costa lo zaino in pelle?', 'Leather Backpack (SKU BP-100) costa 89.00 USD. È disponibile.'],
  ])('%s: finds the English-named product and quotes it verbatim', (language, question, expected) => {
    const answer = draft(language, user(question));
    expect(answer).toBe(expected);
    expect(checkAnswer(answer, catalog)).toEqual({ ok: true, problems: [] });
  });

  it('matches misspelt words and German compounds', () => {
    expect(draft('es', user('mochilla de cueroo?'))).toBe('Leather Backpack (SKU BP-100) cuesta 89.00 USD. Está disponible.');
    expect(draft('de', user('Kaffeetasse?'))).toBe('Café Mug (SKU MUG-7) kostet 8.00 EUR.');
    expect(draft(null, user('lether bakcpack'))).toBe("The Leather Backpack (SKU BP-100) costs 89.00 USD. It's in stock.");
  });

  it('greets, says what it could not find and what is out of stock in that language', () => {
    expect(draft('es', user('hola'))).toBe('¡Hola! ¿En qué puedo ayudarte hoy?');
    expect(draft('de', user('Guten Tag'))).toBe('Hallo! Wie kann ich Ihnen heute helfen?');
    expect(draft('es', user('hola'), user('camiseta azul?'), user('tienen paraguas?'))).toBe(
      [
        '¡Hola!',
        'Blue Cotton T-Shirt (SKU TS-001) cuesta 19.90 USD. Ahora mismo está agotado.',
        'No encontré todo lo que preguntaste en nuestro catálogo. ¿Podrías contarme más sobre el resto?',
      ].join('\n'),
    );
    expect(draft('fr', user('Avez-vous des parapluies ?'))).toBe("Je n'ai pas trouvé cela dans notre catalogue. Pouvez-vous m'en dire plus ?");
  });

  it('keeps English when the language line asks for English, is missing, or names a language it does not write', () => {
    const english = "The Leather Backpack (SKU BP-100) costs 89.00 USD. It's in stock.";
    expect(draft('en', user('Precio de la mochila de cuero?'))).toBe(english);
    expect(draft(null, user('Precio de la mochila de cuero?'))).toBe(english);
    expect(draft('nl', user('Wat kost de leren rugzak? backpack'))).toBe(english);
  });

  it('acknowledges a picture it cannot see, in the customer language, and answers the text too', () => {
    const picture = (text: string): FakeChatMessage => ({ role: 'user', content: `${PICTURE_NOTE}\n${text}`, images: 1 });
    expect(draft('es', picture('¿Tienen esto?'))).toBe(REPLIES.es.picture);
    expect(draft(null, picture(''))).toBe(PICTURE_ANSWER);
    expect(PICTURE_ANSWER).toBe("Thanks for the picture! I can't tell which product it shows — could you tell me its name or what you're looking for?");
    expect(draft('pt', picture('quanto custa esta mochila?'))).toBe(
      [REPLIES.pt.picture, 'Leather Backpack (SKU BP-100) custa 89.00 USD. Está disponível em estoque.'].join('\n'),
    );
    // The image could not be loaded: only the note is left, and it gets the same answer.
    expect(draft('de', user(PICTURE_NOTE))).toBe(REPLIES.de.picture);
  });
});
