import { attributionFrom, type Attribution, type QueryParams } from '#lib/services/auth.ts';

// Attribution from the landing URL is remembered for the browser tab, so it survives the visitor
// reading other pages before signing up. Session storage: nothing lingers after the tab closes.
const STORAGE_KEY = 'wara.attribution';

/** Remembers the attribution parameters of `params`, if any (the latest visit wins). */
export function rememberAttribution(params: QueryParams): void {
  const found = attributionFrom(params);
  if (Object.keys(found).length === 0) return;
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(found));
  } catch {
    // Storage disabled (private mode, quota): the query string on the CTA links still carries it.
  }
}

/** Attribution for a sign-up: the current URL's parameters over the remembered ones. */
export function attributionForSignup(params: QueryParams): Attribution {
  return { ...recalled(), ...attributionFrom(params) };
}

function recalled(): Attribution {
  try {
    const stored = sessionStorage.getItem(STORAGE_KEY);
    if (!stored) return {};
    return attributionFrom(new URLSearchParams(Object.entries(JSON.parse(stored) as Record<string, string>)));
  } catch {
    return {};
  }
}
