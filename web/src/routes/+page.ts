import { fetchPlans, type Plans } from '#lib/services/billing.ts';
import type { PageLoad } from './$types';

/** The plans for sale, from the API (public): the landing page's pricing. Without them it still renders. */
export const load: PageLoad = async ({ fetch }) => {
  try {
    return { plans: (await fetchPlans(fetch)) as Plans | null };
  } catch {
    return { plans: null };
  }
};
