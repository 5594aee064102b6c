import { redirect } from '@sveltejs/kit';
import { ApiError } from '#lib/services/api.ts';
import { fetchMe, loginPathFor, type Me } from '#lib/services/auth.ts';
import type { LayoutLoad } from './$types';

/**
 * The dashboard's guard: who is logged in, or off to the log-in page (which brings the person
 * back here afterwards). Any other failure is shown in the shell with a way to retry.
 */
export const load: LayoutLoad = async ({ fetch, url, depends }) => {
  depends('app:session');
  try {
    return { me: (await fetchMe(fetch)) as Me | null, sessionError: null };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      redirect(307, loginPathFor(url));
    }
    const message = error instanceof ApiError ? error.message : 'Could not check who is logged in.';
    return { me: null, sessionError: message };
  }
};
