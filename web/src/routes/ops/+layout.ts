import { error, redirect } from '@sveltejs/kit';
import { ApiError } from '#lib/services/api.ts';
import { fetchMe, loginPathFor, type Me } from '#lib/services/auth.ts';
import type { LayoutLoad } from './$types';

/**
 * The operator pages' guard: nobody logged in goes to the log-in page (and comes back); a merchant gets a
 * plain 404 (the pages do not exist for them; the API answers their calls with 403 anyway).
 */
export const load: LayoutLoad = async ({ fetch, url, depends }) => {
  depends('app:session');
  let me: Me;
  try {
    me = await fetchMe(fetch);
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 401) redirect(307, loginPathFor(url));
    const message = failure instanceof ApiError ? failure.message : 'Could not check who is logged in.';
    return { me: null, sessionError: message };
  }
  if (!me.user.isOperator && !me.user.isAdmin) error(404, 'Not Found');
  return { me: me as Me | null, sessionError: null };
};
