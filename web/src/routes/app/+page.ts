import { ApiError } from '#lib/services/api.ts';
import { fetchDashboard, type DashboardSummary } from '#lib/services/dashboard.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, depends }) => {
  depends('app:dashboard');
  try {
    return { dashboard: (await fetchDashboard(fetch)) as DashboardSummary | null, dashboardError: null };
  } catch (error) {
    const message = error instanceof ApiError ? error.message : 'Could not load your dashboard.';
    return { dashboard: null, dashboardError: message };
  }
};
