import type { StaticRouteId } from './routes.ts';

/** The operator pages (`/ops`), in navigation order. Platform staff only. */
export interface OpsSection {
  id: string;
  label: string;
  route: StaticRouteId;
  summary: string;
}

export const opsSections: OpsSection[] = [
  { id: 'audit', label: 'Audit log', route: '/ops/audit', summary: 'Every tenant’s audit trail, filtered and exported.' },
  { id: 'credentials', label: 'Credentials', route: '/ops/credentials', summary: 'Test the provider credentials WARA runs on.' },
  { id: 'alerts', label: 'Alerts', route: '/ops/alerts', summary: 'Recent alerts, and a test alert through every channel.' },
  { id: 'replies', label: 'Reply backlog', route: '/ops/replies', summary: 'The shops whose AI replies are running late, and messages shed under load.' },
  { id: 'analytics', label: 'Analytics', route: '/ops/analytics', summary: 'Every tenant’s metrics together, the busiest tenants, and rebuilds.' },
];

/** The section a route belongs to, so its link can be marked current. */
export function currentOpsSection(routeId: string | null): OpsSection | undefined {
  if (routeId === null) return undefined;
  return opsSections.find((s) => routeId === s.route || routeId.startsWith(`${s.route}/`));
}
