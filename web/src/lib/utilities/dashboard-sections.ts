import type { StaticRouteId } from './routes.ts';

/**
 * The dashboard's sections, in navigation order. Sections not built yet carry an honest
 * description of what they will hold, shown as their empty state.
 */
export interface DashboardSection {
  id: string;
  label: string;
  route: StaticRouteId;
  summary: string;
  comingSoon: string[] | null;
}

export const dashboardSections: DashboardSection[] = [
  {
    id: 'home',
    label: 'Home',
    route: '/app',
    summary: 'Your WARA overview.',
    comingSoon: [
      'WhatsApp connection status at a glance',
      'Catalog size and last upload',
      'Recent conversations and replies',
      'Usage this period and your trial countdown',
    ],
  },
  {
    id: 'whatsapp',
    label: 'WhatsApp',
    route: '/app/whatsapp',
    summary: 'Connect your WhatsApp Business number through Twilio.',
    comingSoon: [
      'A guided connection: subaccount, sender signup and verification, step by step',
      'Live progress of each step (done, running, waiting, failed and why)',
      '“Check connection now” and a test message to your own phone',
      'Disconnect and reconnect',
    ],
  },
  {
    id: 'catalog',
    label: 'Catalog',
    route: '/app/catalog',
    summary: 'The products the AI answers from.',
    comingSoon: [
      'CSV or JSON upload, checked row by row with the reason for each rejected row',
      'Re-upload to update products by SKU',
      'A searchable product list',
    ],
  },
  {
    id: 'conversations',
    label: 'Conversations',
    route: '/app/conversations',
    summary: 'Every customer thread and the AI’s replies.',
    comingSoon: [
      'A live feed of messages with direction, time and delivery status',
      'The full thread of a conversation, with the catalog sources behind each reply',
      'Take over a conversation by hand, then hand it back to the AI',
    ],
  },
  {
    id: 'broadcasts',
    label: 'Broadcasts',
    route: '/app/broadcasts',
    summary: 'Approved templates and SMS to customers who opted in.',
    comingSoon: null,
  },
  {
    id: 'sms',
    label: 'SMS',
    route: '/app/sms',
    summary: 'A number customers can text; the AI answers SMS too.',
    comingSoon: null,
  },
  {
    id: 'agent',
    label: 'Agent',
    route: '/app/agent',
    summary: 'How your AI assistant talks, what it knows, its hours and when it hands over to you.',
    comingSoon: null,
  },
  {
    id: 'analytics',
    label: 'Analytics',
    route: '/app/analytics',
    summary: 'How your customers and the AI are doing.',
    comingSoon: null,
  },
  {
    id: 'billing',
    label: 'Billing',
    route: '/app/billing',
    summary: 'Your plan, trial and usage.',
    comingSoon: null,
  },
  {
    id: 'audit',
    label: 'Audit log',
    route: '/app/audit',
    summary: 'Who did what, and when.',
    comingSoon: null,
  },
  {
    id: 'status',
    label: 'System status',
    route: '/app/status',
    summary: 'Health of WARA and the services it depends on.',
    comingSoon: null,
  },
];

export function sectionById(id: string): DashboardSection {
  const section = dashboardSections.find((candidate) => candidate.id === id);
  if (!section) throw new Error(`Unknown dashboard section: ${id}`);
  return section;
}

/** The section whose link should be marked current for a pathname (longest match wins). */
/** The section a route belongs to, so its link can be marked current. */
export function currentSection(routeId: string | null): DashboardSection | undefined {
  if (routeId === null) return undefined;
  return dashboardSections
    .filter((s) => routeId === s.route || (s.route !== '/app' && routeId.startsWith(`${s.route}/`)))
    .sort((a, b) => b.route.length - a.route.length)[0];
}
