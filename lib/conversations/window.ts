// WhatsApp's customer-service window: free-form messages only within 24 hours of the customer's last one.
export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface WindowState {
  open: boolean;
  /** ISO time the window closes (or closed); null when the customer never wrote. */
  expiresAt: string | null;
}

export function serviceWindow(lastInboundAt: Date | number | null, now: number): WindowState {
  if (lastInboundAt === null) return { open: false, expiresAt: null };
  const expires = (typeof lastInboundAt === 'number' ? lastInboundAt : lastInboundAt.getTime()) + SERVICE_WINDOW_MS;
  return { open: now < expires, expiresAt: new Date(expires).toISOString() };
}
