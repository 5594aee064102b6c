// The fake model's vocabulary: data only (the logic is in language.ts and understand.ts). A small commerce
// lexicon across English, Spanish, Portuguese, German, French and Italian, plus each language's function
// words, greetings and thanks. It is what lets the stand-in "understand" "Precio de la mochila de cuero?" as
// a Spanish question about a "leather backpack" without being a model: a lookup table, so anything it does
// not list stays untranslated.
//
// Words are written naturally (accents, ß); lookups fold case and accents (ß → ss), so "cafe" finds "café".

export const LANGUAGES = ['en', 'es', 'pt', 'de', 'fr', 'it'] as const;
export type Lang = (typeof LANGUAGES)[number];

/**
 * What a concept is, which decides where it goes in an English phrase: size, other adjectives, colour and
 * material come before the noun they describe ("small red leather bag"); a noun before another noun
 * describes it ("coffee mug").
 */
export type ConceptKind = 'noun' | 'colour' | 'material' | 'size' | 'adj';

/**
 * One concept per row: [English (canonical output), kind, es, pt, de, fr, it, extra English words].
 * Synonyms are separated by `|`; the first one is used when translating into that language. Multi-word
 * entries ("sac à dos") are matched as phrases. An empty cell means "not listed".
 */
export type ConceptRow = readonly [en: string, kind: ConceptKind, es: string, pt: string, de: string, fr: string, it: string, enAlt?: string];

export const CONCEPTS: readonly ConceptRow[] = [
  // Clothing
  ['t-shirt', 'noun', 'camiseta|camisetas|playera|remera', 'camiseta|camisetas', 't-shirt|tshirt', 't-shirt|tee-shirt|tshirt', 'maglietta|magliette|t-shirt', 'tshirt|tee|tees'],
  ['shirt', 'noun', 'camisa', 'camisa', 'hemd|hemden', 'chemise', 'camicia|camicie'],
  ['blouse', 'noun', 'blusa', 'blusa', 'bluse', 'chemisier|blouse', 'camicetta'],
  ['sweater', 'noun', 'suéter|jersey', 'suéter|camisola', 'pullover|pulli', 'pull|pull-over', 'maglione|maglioni', 'jumper|pullover'],
  ['hoodie', 'noun', 'sudadera|sudadera con capucha', 'moletom', 'kapuzenpullover|hoodie', 'sweat à capuche|sweat', 'felpa|felpe', 'sweatshirt'],
  ['jacket', 'noun', 'chaqueta|chamarra|cazadora', 'jaqueta', 'jacke|jacken', 'veste|blouson', 'giacca|giacche|giubbotto'],
  ['coat', 'noun', 'abrigo', 'casaco', 'mantel', 'manteau|manteaux', 'cappotto'],
  ['dress', 'noun', 'vestido', 'vestido', 'kleid|kleider', 'robe', 'vestito|abito'],
  ['skirt', 'noun', 'falda', 'saia', 'rock|röcke', 'jupe', 'gonna'],
  ['trousers', 'noun', 'pantalón|pantalones', 'calça|calças', 'hose|hosen', 'pantalon|pantalons', 'pantaloni', 'pants'],
  ['jeans', 'noun', 'vaqueros|tejanos', 'calça jeans', 'jeans', 'jean', 'jeans'],
  ['shorts', 'noun', 'pantalón corto|pantalones cortos', 'bermuda|short', 'kurze hose|shorts', 'short', 'pantaloncini'],
  ['hat', 'noun', 'sombrero', 'chapéu', 'hut|hüte', 'chapeau|chapeaux', 'cappello|cappelli'],
  ['cap', 'noun', 'gorra', 'boné', 'kappe|basecap|cap', 'casquette', 'berretto|cappellino'],
  ['beanie', 'noun', 'gorro', 'gorro|touca', 'mütze|strickmütze|beanie', 'bonnet', 'cuffia'],
  ['scarf', 'noun', 'bufanda', 'cachecol', 'schal|schals', 'écharpe|foulard', 'sciarpa|sciarpe'],
  ['gloves', 'noun', 'guantes|guante', 'luvas|luva', 'handschuhe|handschuh', 'gants|gant', 'guanti|guanto', 'glove'],
  ['socks', 'noun', 'calcetines|calcetín|medias', 'meias|meia', 'socken|socke', 'chaussettes|chaussette', 'calzini|calzino', 'sock'],
  ['shoes', 'noun', 'zapatos|zapato', 'sapatos|sapato', 'schuhe|schuh', 'chaussures|chaussure', 'scarpe|scarpa', 'shoe'],
  ['sneakers', 'noun', 'zapatillas|zapatilla|tenis', 'tênis', 'turnschuhe|turnschuh|sneaker', 'baskets|basket', 'scarpe da ginnastica', 'sneaker|trainers'],
  ['boots', 'noun', 'botas|bota', 'botas|bota', 'stiefel', 'bottes|botte', 'stivali|stivale', 'boot'],
  ['sandals', 'noun', 'sandalias|sandalia', 'sandálias|sandália', 'sandalen|sandale', 'sandales|sandale', 'sandali|sandalo', 'sandal'],
  ['belt', 'noun', 'cinturón|cinturones', 'cinto', 'gürtel', 'ceinture', 'cintura|cinture'],
  ['swimsuit', 'noun', 'traje de baño|bañador', 'maiô|biquíni', 'badeanzug|bikini', 'maillot de bain', 'costume da bagno', 'bikini|swimwear'],
  ['pajamas', 'noun', 'pijama|pijamas', 'pijama', 'schlafanzug|pyjama', 'pyjama', 'pigiama', 'pyjamas'],
  ['tie', 'noun', 'corbata', 'gravata', 'krawatte', 'cravate', 'cravatta'],
  ['suit', 'noun', 'traje', 'terno', 'anzug', 'costume', 'completo'],
  ['apron', 'noun', 'delantal', 'avental', 'schürze', 'tablier', 'grembiule'],
  // Bags and accessories
  ['backpack', 'noun', 'mochila|mochilas', 'mochila|mochilas', 'rucksack|rucksäcke', 'sac à dos', 'zaino|zaini', 'rucksack|knapsack'],
  ['handbag', 'noun', 'bolso de mano', 'bolsa de mão', 'handtasche', 'sac à main', 'borsetta|borsa a mano', 'purse'],
  ['bag', 'noun', 'bolso|bolsa|bolsos|bolsas', 'bolsa|bolsas', 'tasche|taschen', 'sac|sacs', 'borsa|borse'],
  ['tote bag', 'noun', 'bolsa de tela', 'ecobag', 'stofftasche|tragetasche', 'tote bag|sac cabas', 'shopper', 'tote'],
  ['wallet', 'noun', 'cartera|billetera|monedero', 'carteira', 'geldbörse|portemonnaie|brieftasche', 'portefeuille', 'portafoglio'],
  ['suitcase', 'noun', 'maleta', 'mala', 'koffer', 'valise', 'valigia', 'luggage'],
  ['umbrella', 'noun', 'paraguas', 'guarda-chuva', 'regenschirm|schirm', 'parapluie', 'ombrello'],
  ['sunglasses', 'noun', 'gafas de sol|lentes de sol', 'óculos de sol', 'sonnenbrille', 'lunettes de soleil', 'occhiali da sole'],
  ['glasses', 'noun', 'gafas|lentes', 'óculos', 'brille', 'lunettes', 'occhiali', 'eyeglasses'],
  // Jewellery and watches
  ['watch', 'noun', 'reloj|relojes', 'relógio', 'uhr|armbanduhr', 'montre', 'orologio'],
  ['ring', 'noun', 'anillo', 'anel', 'ring', 'bague', 'anello'],
  ['necklace', 'noun', 'collar', 'colar', 'halskette|kette', 'collier', 'collana'],
  ['earrings', 'noun', 'pendientes|aretes|aros|pendiente|arete', 'brincos|brinco', 'ohrringe|ohrring', "boucles d'oreilles|boucle d'oreille", 'orecchini|orecchino', 'earring'],
  ['bracelet', 'noun', 'pulsera', 'pulseira', 'armband', 'bracelet', 'bracciale|braccialetto'],
  ['keychain', 'noun', 'llavero', 'chaveiro', 'schlüsselanhänger', 'porte-clés', 'portachiavi', 'keyring'],
  // Home and kitchen
  ['mug', 'noun', 'taza|tazas|tazón', 'caneca|canecas', 'tasse|tassen|becher', 'mug', 'tazza|tazze'],
  ['cup', 'noun', 'tacita|pocillo', 'xícara', 'tässchen', 'tasse', 'tazzina'],
  ['glass', 'noun', 'vaso', 'copo', 'glas|gläser', 'verre', 'bicchiere'],
  ['bottle', 'noun', 'botella|termo', 'garrafa', 'flasche|trinkflasche', 'bouteille|gourde', 'bottiglia|borraccia', 'flask'],
  ['plate', 'noun', 'plato', 'prato', 'teller', 'assiette', 'piatto'],
  ['bowl', 'noun', 'cuenco|bol', 'tigela', 'schüssel|schale', 'bol', 'ciotola'],
  ['teapot', 'noun', 'tetera', 'bule', 'teekanne', 'théière', 'teiera'],
  ['vase', 'noun', 'jarrón|florero', 'vaso', 'vase', 'vase', 'vaso'],
  ['lamp', 'noun', 'lámpara', 'luminária|abajur', 'lampe|leuchte', 'lampe', 'lampada'],
  ['chair', 'noun', 'silla', 'cadeira', 'stuhl', 'chaise', 'sedia'],
  ['table', 'noun', 'mesa', 'mesa', 'tisch', 'table', 'tavolo'],
  ['sofa', 'noun', 'sofá', 'sofá', 'sofa|couch', 'canapé', 'divano', 'couch'],
  ['bed', 'noun', 'cama', 'cama', 'bett', 'lit', 'letto'],
  ['pillow', 'noun', 'almohada|cojín', 'travesseiro|almofada', 'kissen', 'oreiller|coussin', 'cuscino', 'cushion'],
  ['blanket', 'noun', 'manta|cobija', 'cobertor|manta', 'decke', 'couverture|plaid', 'coperta'],
  ['towel', 'noun', 'toalla', 'toalha', 'handtuch', 'serviette', 'asciugamano'],
  ['curtain', 'noun', 'cortina', 'cortina', 'vorhang', 'rideau', 'tendina'],
  ['rug', 'noun', 'alfombra', 'tapete', 'teppich', 'tapis', 'tappeto', 'carpet'],
  ['mirror', 'noun', 'espejo', 'espelho', 'spiegel', 'miroir', 'specchio'],
  ['candle', 'noun', 'vela|velas', 'vela|velas', 'kerze', 'bougie', 'candela'],
  ['soap', 'noun', 'jabón', 'sabonete', 'seife', 'savon', 'sapone'],
  ['shampoo', 'noun', 'champú', 'xampu', 'shampoo', 'shampooing', 'shampoo'],
  ['perfume', 'noun', 'perfume', 'perfume', 'parfüm', 'parfum', 'profumo'],
  ['cream', 'noun', 'crema', 'creme', 'creme', 'crème', 'crema'],
  ['frame', 'noun', 'marco', 'moldura', 'bilderrahmen|rahmen', 'cadre', 'cornice'],
  ['clock', 'noun', 'reloj de pared', 'relógio de parede', 'wanduhr', 'horloge', 'orologio da parete'],
  ['basket', 'noun', 'cesta|canasta', 'cesta', 'korb', 'panier', 'cestino|cesto'],
  ['box', 'noun', 'caja', 'caixa', 'kiste|schachtel|dose', 'boîte', 'scatola'],
  ['pan', 'noun', 'sartén', 'frigideira', 'pfanne', 'poêle', 'padella'],
  ['pot', 'noun', 'olla', 'panela', 'topf', 'casserole', 'pentola'],
  ['knife', 'noun', 'cuchillo', 'faca', 'messer', 'couteau', 'coltello'],
  ['spoon', 'noun', 'cuchara', 'colher', 'löffel', 'cuillère', 'cucchiaio'],
  ['fork', 'noun', 'tenedor', 'garfo', 'gabel', 'fourchette', 'forchetta'],
  ['poster', 'noun', 'póster|cartel', 'pôster', 'poster|plakat', 'affiche', 'poster'],
  ['plant', 'noun', 'planta', 'planta', 'pflanze', 'plante', 'pianta'],
  ['flowers', 'noun', 'flores|flor', 'flores|flor', 'blumen|blume', 'fleurs|fleur', 'fiori|fiore', 'flower'],
  ['gift', 'noun', 'regalo', 'presente', 'geschenk', 'cadeau', 'regalo', 'present'],
  // Electronics
  ['phone', 'noun', 'teléfono|celular|móvil', 'telefone|celular', 'handy|telefon|smartphone', 'téléphone|portable|smartphone', 'telefono|cellulare', 'smartphone|cellphone|mobile'],
  ['case', 'noun', 'funda|carcasa', 'capa|capinha', 'hülle|etui', 'étui|coque|housse', 'custodia|cover', 'cover'],
  ['charger', 'noun', 'cargador', 'carregador', 'ladegerät', 'chargeur', 'caricabatterie|caricatore'],
  ['cable', 'noun', 'cable', 'cabo', 'kabel', 'câble', 'cavo'],
  ['headphones', 'noun', 'auriculares|audífonos', 'fones de ouvido|fone de ouvido|fones', 'kopfhörer', 'écouteurs|casque audio', 'cuffie|auricolari', 'earphones|earbuds|headset'],
  ['speaker', 'noun', 'altavoz|bocina|parlante', 'caixa de som', 'lautsprecher', 'enceinte', 'altoparlante|cassa'],
  ['laptop', 'noun', 'portátil', 'computador portátil', 'laptop|notebook', 'ordinateur portable', 'portatile', 'notebook computer'],
  ['keyboard', 'noun', 'teclado', 'teclado', 'tastatur', 'clavier', 'tastiera'],
  ['mouse', 'noun', 'ratón', 'mouse', 'maus', 'souris', 'mouse'],
  ['camera', 'noun', 'cámara', 'câmera', 'kamera', 'appareil photo', 'fotocamera'],
  ['battery', 'noun', 'batería|pila', 'bateria|pilha', 'akku|batterie', 'batterie|pile', 'batteria'],
  ['tablet', 'noun', 'tableta', 'tablet', 'tablet', 'tablette', 'tablet'],
  // Stationery, toys, sport
  ['book', 'noun', 'libro', 'livro', 'buch|bücher', 'livre', 'libro'],
  ['notebook', 'noun', 'cuaderno|libreta', 'caderno', 'notizbuch|heft', 'carnet|cahier', 'quaderno'],
  ['pen', 'noun', 'bolígrafo|boli', 'caneta', 'kugelschreiber|stift', 'stylo', 'penna'],
  ['pencil', 'noun', 'lápiz', 'lápis', 'bleistift', 'crayon', 'matita'],
  ['toy', 'noun', 'juguete', 'brinquedo', 'spielzeug', 'jouet', 'giocattolo'],
  ['ball', 'noun', 'pelota|balón', 'bola', 'ball|bälle', 'ballon|balle', 'palla|pallone'],
  ['doll', 'noun', 'muñeca', 'boneca', 'puppe', 'poupée', 'bambola'],
  ['puzzle', 'noun', 'rompecabezas', 'quebra-cabeça', 'puzzle', 'puzzle', 'puzzle'],
  ['bike', 'noun', 'bicicleta|bici', 'bicicleta', 'fahrrad', 'vélo|bicyclette', 'bicicletta|bici', 'bicycle'],
  ['helmet', 'noun', 'casco', 'capacete', 'helm', 'casque', 'casco'],
  ['tent', 'noun', 'tienda de campaña|carpa', 'barraca', 'zelt', 'tente', 'tenda'],
  ['yoga mat', 'noun', 'esterilla', 'tapete de yoga', 'yogamatte', 'tapis de yoga', 'tappetino'],
  // Food and drink
  ['coffee', 'noun', 'café', 'café', 'kaffee', 'café', 'caffè'],
  ['tea', 'noun', 'té', 'chá', 'tee', 'thé', 'tè'],
  ['chocolate', 'noun', 'chocolate', 'chocolate', 'schokolade', 'chocolat', 'cioccolato'],
  ['honey', 'noun', 'miel', 'mel', 'honig', 'miel', 'miele'],
  ['wine', 'noun', 'vino', 'vinho', 'wein', 'vin', 'vino'],
  ['olive oil', 'noun', 'aceite de oliva', 'azeite', 'olivenöl', "huile d'olive", "olio d'oliva"],
  // Colours
  ['red', 'colour', 'rojo|roja', 'vermelho|vermelha', 'rot', 'rouge', 'rosso|rossa'],
  ['blue', 'colour', 'azul|azules', 'azul|azuis', 'blau', 'bleu|bleue', 'blu|azzurro'],
  ['green', 'colour', 'verde|verdes', 'verde|verdes', 'grün', 'vert|verte', 'verde|verdi'],
  ['black', 'colour', 'negro|negra', 'preto|preta', 'schwarz', 'noir|noire', 'nero|nera'],
  ['white', 'colour', 'blanco|blanca', 'branco|branca', 'weiß', 'blanc|blanche', 'bianco|bianca'],
  ['brown', 'colour', 'marrón|marrones', 'marrom|marrons', 'braun', 'marron|brun|brune', 'marrone'],
  ['grey', 'colour', 'gris|grises', 'cinza|cinzento', 'grau', 'gris|grise', 'grigio|grigia', 'gray'],
  ['yellow', 'colour', 'amarillo|amarilla', 'amarelo|amarela', 'gelb', 'jaune', 'giallo|gialla'],
  ['pink', 'colour', 'rosa|rosado', 'rosa', 'rosa|pink', 'rose', 'rosa'],
  ['purple', 'colour', 'morado|morada|violeta', 'roxo|roxa', 'lila|violett', 'violet|violette', 'viola'],
  ['orange', 'colour', 'naranja', 'laranja', 'orange', 'orange', 'arancione'],
  ['beige', 'colour', 'beige', 'bege', 'beige', 'beige', 'beige'],
  ['navy', 'colour', 'azul marino', 'azul marinho', 'marineblau', 'bleu marine', 'blu navy'],
  // Materials
  ['leather', 'material', 'cuero|piel', 'couro', 'leder', 'cuir', 'pelle|cuoio'],
  ['cotton', 'material', 'algodón', 'algodão', 'baumwolle', 'coton', 'cotone'],
  ['wool', 'material', 'lana', 'lã', 'wolle', 'laine', 'lana', 'woolen|woollen'],
  ['silk', 'material', 'seda', 'seda', 'seide', 'soie', 'seta'],
  ['linen', 'material', 'lino', 'linho', 'leinen', 'lin', 'lino'],
  ['wood', 'material', 'madera', 'madeira', 'holz', 'bois', 'legno', 'wooden'],
  ['ceramic', 'material', 'cerámica', 'cerâmica', 'keramik', 'céramique', 'ceramica'],
  ['porcelain', 'material', 'porcelana', 'porcelana', 'porzellan', 'porcelaine', 'porcellana'],
  ['glass', 'material', 'vidrio|cristal', 'vidro', '', '', 'vetro'],
  ['steel', 'material', 'acero|acero inoxidable', 'aço|inox', 'stahl|edelstahl', 'acier|inox', 'acciaio', 'stainless'],
  ['metal', 'material', 'metal', 'metal', 'metall', 'métal', 'metallo'],
  ['plastic', 'material', 'plástico', 'plástico', 'plastik|kunststoff', 'plastique', 'plastica'],
  ['silver', 'material', 'plata', 'prata', 'silber', 'argent', 'argento'],
  ['gold', 'material', 'oro|dorado|dorada', 'ouro|dourado|dourada', 'gold|golden', 'doré|dorée', 'oro|dorato', 'golden'],
  ['denim', 'material', 'mezclilla', 'brim', 'denim', 'denim', 'denim'],
  ['suede', 'material', 'gamuza|ante', 'camurça', 'wildleder', 'daim', 'camoscio'],
  ['bamboo', 'material', 'bambú', 'bambu', 'bambus', 'bambou', 'bambù'],
  ['paper', 'material', 'papel', 'papel', 'papier', 'papier', 'carta'],
  // Sizes
  ['small', 'size', 'pequeño|pequeña|chico|chica', 'pequeno|pequena', 'klein|kleine', 'petit|petite', 'piccolo|piccola', 'little|mini'],
  ['medium', 'size', 'mediano|mediana', 'médio|média', 'mittel|mittelgroß', 'moyen|moyenne', 'medio|media'],
  ['large', 'size', 'grande|grandes', 'grande|grandes', 'groß', 'grand|grande', 'grande|grandi', 'big'],
  // Other descriptors
  ['dark', 'adj', 'oscuro|oscura', 'escuro|escura', 'dunkel', 'foncé|foncée', 'scuro|scura'],
  ['light', 'adj', 'claro|clara', 'claro|clara', 'hell', 'clair|claire', 'chiaro|chiara'],
  ['waterproof', 'adj', 'impermeable', 'impermeável', 'wasserdicht', 'imperméable', 'impermeabile'],
  ['wireless', 'adj', 'inalámbrico|inalámbricos|inalámbricas', 'sem fio', 'kabellos', 'sans fil', 'senza fili'],
  ['kids', 'adj', 'niños|niño|niña|infantil', 'infantil|criança|crianças', 'kinder', 'enfant|enfants', 'bambini|bambino', 'kid|children|child'],
  ['men', 'adj', 'hombre|caballero', 'masculino|homem', 'herren', 'homme|hommes', 'uomo', "men's|mens|man"],
  ['women', 'adj', 'mujer|dama', 'feminino|mulher', 'damen', 'femme|femmes', 'donna', "women's|womens|woman|ladies"],
  ['long', 'adj', 'largo|larga', 'longo|longa', 'lang', 'long|longue', 'lungo|lunga'],
  ['short', 'adj', 'corto|corta', 'curto|curta', 'kurz', 'court|courte', 'corto|corta'],
  ['running', 'adj', 'correr|running', 'corrida', 'lauf', 'running', 'corsa'],
  ['organic', 'adj', 'orgánico|orgánica', 'orgânico|orgânica', 'bio', 'bio', 'biologico|biologica'],
  ['handmade', 'adj', 'hecho a mano|artesanal', 'feito à mão|artesanal', 'handgemacht', 'fait main|artisanal', 'fatto a mano|artigianale'],
];

/**
 * Function words and the non-product words of shop questions, per language: they are never search terms and
 * they are the main evidence for the language. Messaging words ("send", "messages", "person") are here too.
 */
export const STOPWORDS: Record<Lang, string> = {
  en: `a an the and or but of for to in on at by with from into about as is are am was were be been being do does did
    done have has had having i me my mine you your yours we us our they them their he she it its this that these those there here
    what which who whom whose when where why how much many price prices pricing cost costs costing please pls plz any some
    can could would should will shall may might must need needs want wants wanted wanna looking look find get got buy buying
    purchase sell sells selling sold available availability stock stocks still left more less also too very really just only
    tell know show like love one ones im dont do not no yes yeah yep ok okay size sizes colour colours color colors option
    options model version item items product products thing things something anything type kind other another same different
    order orders ordered shipping ship ships delivery deliver return returns refund discount sale offer offers deal deals free
    cheap cheaper expensive whats if so then than up out over again now today send sending sent message messages text texting
    texts msg msgs stop contact contacting write writing unsubscribe subscribe spam talk speak chat someone somebody person
    people real representative operator support service customer team staff agent human start resume quit cease leave alone
    remove list notifications notification sir madam hi hello hey thanks thank got it cool great got how's what's it's i'm
    don't doesn't there's each every all both either neither lot lots bit go going come see seen son sons daughter
    daughters mom mum mother dad father wife husband friend friends boyfriend girlfriend brother sister birthday
    tomorrow matching match fits fit new shop store stores website site online page link pay paying payment card cash
    paypal transfer address location open opening hours arrive arrives arriving arrival track tracking cancel cancelled
    invoice receipt warranty guarantee exchange`,
  es: `a al algo alguna alguno algunos algunas ante como con contra cual cuales cuando cuanto cuanta cuantos cuantas cuesta
    cuestan costo coste vale valen de del desde donde el ella ellos ellas en entre era es esa ese eso esta estan este esto estos
    estas hay la las le les lo los me mi mis mucho mucha muy mas ni no nos o otra otro otros para pero poco por porque precio
    precios que quien se si sin sobre son su sus tambien te tengo tiene tienen tienes tu tus un una uno unos unas usted ustedes
    y ya yo quiero quisiera queria necesito busco buscando comprar compro vender venden vendes venta disponible disponibles
    existencia existencias talla tallas color colores tamano modelo producto productos favor porfa gracias hola buenas buenos
    dia dias tardes noches envio envios entrega pedido pedidos oferta descuento barato barata caro cara saber info
    informacion puedo puede pueden podria podrias ver mostrar enviar enviarme envien mandar mandarme manden mensajes mensaje
    deja dejen dejad dejar escribir escribirme baja suscripcion hablar alguien volver recibir vez todavia aun queda quedan
    tendras tendria tenes hacen haces cuánto serian seria nuestro nuestra estas esas ahora hoy manana aqui alli hijo hija
    mama madre papa padre esposa esposo marido amigo amiga novio novia hermano hermana cumpleanos algun alguna juego nuevo
    nueva nuevos nuevas tienda pagar pago tarjeta efectivo direccion ubicacion horario cancelar factura garantia devolver
    devolucion cambiar cambio llega llegar`,
  pt: `a ao aos as o os um uma uns umas de da do das dos em na no nas nos para por com sem e ou que qual quais quanto quanta
    quantos quantas custa custam custo preco precos valor vale sao tem tenho voce voces vc vcs eu me meu minha seu sua isso
    isto esse essa este esta aqui ali la mais muito muita tambem ainda ja quero queria gostaria preciso procuro procurando
    comprar vender vendem vende vendes disponivel disponiveis estoque tamanho cor cores modelo produto produtos favor obrigado
    obrigada ola oi bom boa dia tarde noite tudo bem entrega frete pedido desconto barato caro saber pode podem poderia ver
    mostrar enviar enviem mandar mensagens mensagem pare parem parar nao sim receber voltar falar atendente alguem ter tens
    existe meus minhas hoje amanha filho filha mae pai esposa marido amigo amiga namorado namorada irmao irma aniversario
    novo nova novos novas loja pagar pagamento cartao dinheiro endereco horario cancelar nota garantia devolver devolucao
    trocar troca chega chegar`,
  de: `der die das den dem des ein eine einen einem einer eines und oder aber mit ohne fur von zu zum zur im in am an auf aus bei
    nach uber unter vor ist sind war hat haben habe hast habt gibt es ich du sie er wir ihr mich mir dich dir uns euch ihnen
    mein meine dein ihre was wie wo wann warum welche welcher welches wieviel viel viele kostet kosten kostest preis preise
    noch auch nur sehr mehr kein keine keinen nicht ja nein bitte danke hallo guten tag morgen abend gern gerne mochte will
    wollen brauche suche suchen kaufen verkaufen verkauft lager vorratig verfugbar lieferbar grosse farbe farben modell produkt
    produkte versand lieferung bestellung rabatt angebot billig teuer kann konnen konnten zeigen schicken senden schreiben
    nachrichten nachricht hor hore horen aufhoren sprechen reden menschen mensch mitarbeiter jemand gibts habt denn
    schon meinen meinem meiner meines deinen deinem ihren ihrem unser unsere unseren euer eure dies diese dieser dieses
    diesen dazu passend passende passenden etwa heute sohn tochter mutter mama vater papa frau mann freund freundin
    bruder schwester geburtstag neu neue neuen neues laden geschaft shop bezahlen zahlung karte bar adresse offnungszeiten
    stornieren rechnung garantie ruckgabe zuruckgeben umtauschen umtausch kommt ankommen`,
  fr: `le la les l un une des du de d au aux et ou mais avec sans pour par en dans sur sous chez est sont etre ai as avez avons
    ont il elle ils elles je j tu vous nous on me m te t se s mon ma mes ton ta votre vos notre nos leur ce cet cette ces ca
    cela qui que qu quel quelle quels quelles combien coute coutent cout prix tarif encore aussi tres plus moins pas ne non
    oui svp stp merci bonjour salut bonsoir veux voudrais cherche acheter vendez vend vendre disponible disponibles taille
    couleur couleurs modele produit produits livraison commande remise promo cher chere peux pouvez pourriez voir montrer
    envoyer arretez arreter messages message ecrire parler conseiller personne humain quelqu y a-t-il aujourd hui demain
    ici fils fille mere maman pere papa femme mari ami amie copain copine frere soeur anniversaire nouveau nouvelle nouveaux
    nouvelles magasin boutique payer paiement carte especes adresse horaires annuler facture garantie retour retourner
    echanger echange arrive arriver`,
  it: `il lo la i gli le un uno una di del della dei degli delle da dal dalla in nel nella con su per tra fra e ed o ma che chi
    cosa quale quali quanto quanta quanti quante costa costano costo prezzo prezzi sono ho hai ha abbiamo avete hanno io tu
    lui lei noi voi loro mi ti ci vi si mio mia tuo tua suo sua questo questa quello quella anche ancora molto piu meno non
    favore grazie ciao buongiorno buonasera salve voglio vorrei cerco cercando comprare vendete vende disponibile disponibili
    magazzino taglia colore colori modello prodotto prodotti spedizione consegna ordine sconto economico caro posso potete
    potreste vedere mostrare mandare inviare messaggi messaggio smettete smetti scrivere parlare operatore umano qualcuno c'e
    miei mie oggi domani qui figlio figlia mamma madre papa padre moglie marito amico amica fidanzato fidanzata fratello
    sorella compleanno nuovo nuova nuovi nuove negozio pagare pagamento carta contanti indirizzo orari annullare fattura
    garanzia reso restituire cambiare cambio arriva arrivare tenete tieni tenere`,
};

/**
 * Words that join a noun to what describes it: "mochila DE cuero", "sac EN cuir", "Rucksack AUS Leder",
 * "t-shirt IN blue". The words after one describe the noun before it.
 */
export const CONNECTORS: Record<Lang, string> = {
  en: 'of in',
  es: 'de del en para',
  pt: 'de do da dos das em para',
  fr: 'de du des d en a au aux pour',
  it: 'di del della dei delle in da per',
  de: 'aus von fur',
};

/** Articles skipped right after a connector ("de LA", "aus DEM"). */
export const ARTICLES: Record<Lang, string> = {
  en: 'the a an',
  es: 'el la los las un una',
  pt: 'o a os as um uma',
  fr: 'le la les l un une',
  it: 'il lo la i gli le l un una',
  de: 'der die das dem den des ein eine einem einer',
};

/** Words that separate two things asked about ("camisetas Y zapatos"). */
export const CONJUNCTIONS: Record<Lang, string> = {
  en: 'and or also plus',
  es: 'y e o u tambien',
  pt: 'e ou tambem',
  fr: 'et ou aussi',
  it: 'e ed o oppure anche',
  de: 'und oder auch sowie',
};

/** A turn made only of these is a greeting. */
export const GREETINGS: Record<Lang, string> = {
  en: 'hi hello hey hiya yo there good morning afternoon evening day how are you doing all everyone greetings',
  es: 'hola buenas buenos dia dias tardes noches que tal como estas esta',
  pt: 'ola oi bom boa dia tarde noite tudo bem como vai',
  de: 'hallo hi guten tag morgen abend servus moin gruss gott gruezi',
  fr: 'bonjour salut bonsoir coucou',
  it: 'ciao buongiorno buonasera salve',
};

/** A turn made only of these (or only of emoji and punctuation) is `other`: thanks, ok, goodbye. */
export const ACKNOWLEDGEMENTS: Record<Lang, string> = {
  en: 'thanks thank you thx ty ok okay k cool great perfect nice awesome got it sounds good alright fine yes no sure bye goodbye see you much very lot',
  es: 'gracias muchas muchisimas vale ok perfecto genial listo de nada adios chao si no bueno entendido',
  pt: 'obrigado obrigada valeu beleza ok perfeito certo tchau sim nao muito entendi',
  de: 'danke schon vielen dank super gut alles klar tschuss ja nein ok perfekt',
  fr: 'merci beaucoup d accord parfait super ok oui non au revoir bien',
  it: 'grazie mille perfetto va bene ok si no arrivederci capito',
};
