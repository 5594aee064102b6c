// The fake model's sentences, per answer language (data only). Product names, SKUs, prices and currency
// codes are inserted exactly as the catalog block has them, so the answer checker can compare them verbatim.
// The English ones are the fake's original strings and must not change (tests compare them byte for byte).
import type { CatalogContextProduct } from '../../lib/ai/catalog-context.js';
import type { Lang } from './lexicon.js';

export interface Replies {
  product(p: CatalogContextProduct): string;
  inStock: string;
  outOfStock: string;
  noMatch: string;
  partialMatch: string;
  greeting: string;
  /** Prefix when a greeting comes with questions. */
  hello: string;
  picture: string;
}

export const REPLIES: Record<Lang, Replies> = {
  en: {
    product: (p) => `The ${p.name} (SKU ${p.sku}) costs ${p.price} ${p.currency}.`,
    inStock: "It's in stock.",
    outOfStock: "It's currently out of stock.",
    noMatch: "I couldn't find that in our catalog — could you tell me more?",
    partialMatch: "I couldn't find everything you asked about in our catalog — could you tell me more about the rest?",
    greeting: 'Hello! How can I help you today?',
    hello: 'Hello!',
    picture: "Thanks for the picture! I can't tell which product it shows — could you tell me its name or what you're looking for?",
  },
  es: {
    product: (p) => `${p.name} (SKU ${p.sku}) cuesta ${p.price} ${p.currency}.`,
    inStock: 'Está disponible.',
    outOfStock: 'Ahora mismo está agotado.',
    noMatch: 'No encontré eso en nuestro catálogo. ¿Podrías darme más detalles?',
    partialMatch: 'No encontré todo lo que preguntaste en nuestro catálogo. ¿Podrías contarme más sobre el resto?',
    greeting: '¡Hola! ¿En qué puedo ayudarte hoy?',
    hello: '¡Hola!',
    picture: '¡Gracias por la foto! No puedo saber qué producto muestra. ¿Podrías decirme su nombre o qué estás buscando?',
  },
  pt: {
    product: (p) => `${p.name} (SKU ${p.sku}) custa ${p.price} ${p.currency}.`,
    inStock: 'Está disponível em estoque.',
    outOfStock: 'No momento está esgotado.',
    noMatch: 'Não encontrei isso no nosso catálogo. Pode me contar mais?',
    partialMatch: 'Não encontrei tudo o que você perguntou no nosso catálogo. Pode me contar mais sobre o resto?',
    greeting: 'Olá! Como posso ajudar você hoje?',
    hello: 'Olá!',
    picture: 'Obrigado pela foto! Não consigo identificar qual produto ela mostra. Pode me dizer o nome ou o que você procura?',
  },
  de: {
    product: (p) => `${p.name} (SKU ${p.sku}) kostet ${p.price} ${p.currency}.`,
    inStock: 'Der Artikel ist auf Lager.',
    outOfStock: 'Der Artikel ist derzeit ausverkauft.',
    noMatch: 'Das habe ich in unserem Katalog nicht gefunden. Können Sie mir mehr dazu sagen?',
    partialMatch: 'Ich habe nicht alles, wonach Sie gefragt haben, in unserem Katalog gefunden. Können Sie mir mehr über den Rest sagen?',
    greeting: 'Hallo! Wie kann ich Ihnen heute helfen?',
    hello: 'Hallo!',
    picture: 'Danke für das Bild! Ich kann nicht erkennen, welches Produkt es zeigt. Können Sie mir den Namen sagen oder was Sie suchen?',
  },
  fr: {
    product: (p) => `${p.name} (SKU ${p.sku}) coûte ${p.price} ${p.currency}.`,
    inStock: 'Cet article est en stock.',
    outOfStock: 'Cet article est actuellement en rupture de stock.',
    noMatch: "Je n'ai pas trouvé cela dans notre catalogue. Pouvez-vous m'en dire plus ?",
    partialMatch: "Je n'ai pas trouvé tout ce que vous avez demandé dans notre catalogue. Pouvez-vous m'en dire plus sur le reste ?",
    greeting: "Bonjour ! Comment puis-je vous aider aujourd'hui ?",
    hello: 'Bonjour !',
    picture: 'Merci pour la photo ! Je ne peux pas savoir quel produit elle montre. Pouvez-vous me donner son nom ou me dire ce que vous cherchez ?',
  },
  it: {
    product: (p) => `${p.name} (SKU ${p.sku}) costa ${p.price} ${p.currency}.`,
    inStock: 'È disponibile.',
    outOfStock: 'Al momento è esaurito.',
    noMatch: 'Non l’ho trovato nel nostro catalogo. Puoi dirmi di più?',
    partialMatch: 'Non ho trovato tutto quello che hai chiesto nel nostro catalogo. Puoi dirmi di più sul resto?',
    greeting: 'Ciao! Come posso aiutarti oggi?',
    hello: 'Ciao!',
    picture: 'Grazie per la foto! Non riesco a capire quale prodotto mostri. Puoi dirmi il nome o cosa stai cercando?',
  },
};
