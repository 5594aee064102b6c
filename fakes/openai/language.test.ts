import { describe, expect, it } from 'vitest';
import { detectLanguage, editDistance, fuzzyLookup, lexiconSize, lookupWord, maxTypos, searchTerms, splitCompound } from './language.js';

describe('fake model language tools', () => {
  it('measures Damerau-Levenshtein distance (a swap is one edit)', () => {
    expect(editDistance('backpack', 'bakcpack')).toBe(1);
    expect(editDistance('leather', 'lether')).toBe(1);
    expect(editDistance('mochila', 'mochilla')).toBe(1);
    expect(editDistance('cuero', 'cueroo')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('abc', 'abcdef', 1)).toBe(2); // stops early above the bound
  });

  it('tolerates 1 typo in words of 4–7 letters, 2 in longer ones, none in shorter', () => {
    expect([maxTypos('mug'), maxTypos('mugs'), maxTypos('leather'), maxTypos('backpacks')]).toEqual([0, 1, 1, 2]);
    expect(fuzzyLookup('backpak', ['en'], [])?.concept?.en).toBe('backpack');
    expect(fuzzyLookup('bakpakc', ['en'], [])).toBeUndefined(); // 3 edits
    expect(fuzzyLookup('coat', ['en'], [])).toBeUndefined(); // exact words are not "corrected"
    expect(fuzzyLookup('xmug', ['en'], [])).toBeUndefined(); // the first letter must match
    expect(fuzzyLookup('boat', ['en'], [])?.word).toBe('boot'); // a lexicon, not a model: "boat" reads as a typo
    expect(fuzzyLookup('canvs', ['en'], ['canvas'])?.word).toBe('canvas'); // catalog words count too
  });

  it('looks words up through plural, gender and case endings', () => {
    expect(lookupWord('mochilas', 'es')?.en).toBe('backpack');
    expect(lookupWord('rojas', 'es')?.en).toBe('red');
    expect(lookupWord('rucksacke', 'de')?.en).toBe('backpack');
    expect(lookupWord('blauen', 'de')?.en).toBe('blue');
    expect(lookupWord('noires', 'fr')?.en).toBe('black');
    expect(lookupWord('zaini', 'it')?.en).toBe('backpack');
  });

  it('splits German compounds into known parts', () => {
    expect(splitCompound('lederrucksack')?.map((c) => c.en)).toEqual(['leather', 'backpack']);
    expect(splitCompound('kaffeetasse')?.map((c) => c.en)).toEqual(['coffee', 'mug']);
    expect(splitCompound('baumwollhemd')?.map((c) => c.en)).toEqual(['cotton', 'shirt']);
    expect(splitCompound('lederrucksak')?.map((c) => c.en)).toEqual(['leather', 'backpack']); // typo in the head
    expect(splitCompound('donaudampfschiff')).toBeUndefined();
  });

  it('detects languages from function words, lexicon words and letters; ties and no evidence are English', () => {
    expect(detectLanguage('¿Y la chaqueta?')).toBe('es');
    expect(detectLanguage('Vocês têm tênis de corrida?')).toBe('pt');
    expect(detectLanguage('Gibt es die Jacke auch in Schwarz?')).toBe('de');
    expect(detectLanguage('Je cherche des chaussures noires')).toBe('fr');
    expect(detectLanguage('Hai delle scarpe nere?')).toBe('it');
    expect(detectLanguage('the mug')).toBe('en');
    expect(detectLanguage('TS-001')).toBe('en');
    expect(detectLanguage('mochila?')).toBe('es'); // es and pt tie: LANGUAGES order
    expect(detectLanguage('mochila?', 'pt')).toBe('pt'); // unless a preference is given
  });

  it('builds short phrases, translated into the catalog language', () => {
    expect(searchTerms('Wie viel kostet die schwarze Lederjacke?', { target: 'en' })).toEqual(['black leather jacket']);
    expect(searchTerms('hay stock de la chaqueta de cuero marrón?', { target: 'en' })).toEqual(['brown leather jacket']);
    expect(searchTerms('funda de teléfono', { target: 'en' })).toEqual(['phone case']);
    expect(searchTerms("boucles d'oreilles en argent", { target: 'en' })).toEqual(['silver earrings']);
    expect(searchTerms('leather backpack', { target: 'fr' })).toEqual(['sac à dos en cuir']);
    expect(searchTerms('leather backpack', { target: 'it' })).toEqual(['zaino in pelle']);
    expect(searchTerms('Necesito un cargador para iPhone', { target: 'en' })).toEqual(['charger', 'iphone']);
  });

  it('has a lexicon of a few hundred concepts across six languages', () => {
    const size = lexiconSize();
    expect(size.concepts).toBeGreaterThan(150);
    for (const n of Object.values(size.perLanguage)) expect(n).toBeGreaterThan(180);
  });
});
