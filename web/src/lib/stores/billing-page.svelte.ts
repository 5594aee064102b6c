import { ApiError } from '#lib/services/api.ts';
import { fetchBilling, fetchPlans, openPortal, startCheckout, syncBilling, type Billing, type Plans } from '#lib/services/billing.ts';
import { billingPhaseLook, type StatusLook } from '#lib/utilities/status-look.ts';
import { VisiblePoller } from './visible-poller.ts';

/** Back from Stripe, the change arrives within seconds (a webhook, or the sync the page asks for). */
const SOON_MS = 2_000;
/** How long "confirming with Stripe" keeps looking fast before it settles for the slow pace. */
const CONFIRM_FOR_MS = 60_000;
/** Nothing pending: usage moves slowly; a slow refresh keeps the numbers honest while the tab is open. */
const IDLE_MS = 30_000;

/** Where the merchant came back from, read from the URL Stripe sent them to. */
export type ReturnedFrom = 'checkout' | 'checkout-cancelled' | 'portal' | null;

export function returnedFrom(params: Pick<URLSearchParams, 'get'>): ReturnedFrom {
  if (params.get('checkout') === 'success') return 'checkout';
  if (params.get('checkout') === 'cancelled') return 'checkout-cancelled';
  if (params.get('portal') === 'returned') return 'portal';
  return null;
}

/**
 * State of the Billing page: the tenant's billing (the workflow's view, or the database's), the plans for
 * sale, and the two ways out to Stripe (Checkout to choose a plan, the portal to manage it). After coming
 * back from Stripe it asks the billing workflow to read Stripe at once and looks again every couple of
 * seconds until the change shows (or a minute passed).
 */
export class BillingPage {
  billing = $state<Billing | null>(null);
  plans = $state<Plans | null>(null);
  error = $state<string | null>(null);
  /** `checkout:<plan>` or `portal` while the Stripe page is being prepared. */
  pending = $state<string | null>(null);
  /** Back from a paid Checkout, until the subscription shows here. */
  confirming = $state(false);

  readonly #poller: VisiblePoller;
  #fastUntil = 0;

  constructor() {
    this.#poller = new VisiblePoller(() => this.load(), IDLE_MS);
  }

  async start(from: ReturnedFrom): Promise<void> {
    if (from === 'checkout' || from === 'portal') {
      this.confirming = from === 'checkout';
      this.#fastUntil = Date.now() + CONFIRM_FOR_MS;
      // Best effort: the webhook brings the same change, a little later.
      await syncBilling().catch(() => undefined);
    }
    await Promise.all([this.load(), this.#loadPlans()]);
    // A brand-new account: its Stripe customer is being created (a second or two); look again soon.
    if (this.billing && !this.billing.actions.canManage) this.#fastUntil = Math.max(this.#fastUntil, Date.now() + CONFIRM_FOR_MS);
    this.#pace();
    this.#poller.start();
  }

  async load(): Promise<void> {
    try {
      this.billing = await fetchBilling();
      this.error = null;
    } catch (error) {
      this.error = describe(error);
    }
    this.#pace();
  }

  async choose(planCode: string): Promise<void> {
    await this.#goToStripe(`checkout:${planCode}`, () => startCheckout(planCode));
  }

  async manage(): Promise<void> {
    await this.#goToStripe('portal', openPortal);
  }

  stop(): void {
    this.#poller.dispose();
  }

  async #goToStripe(what: string, open: () => Promise<{ url: string }>): Promise<void> {
    if (this.pending) return;
    this.pending = what;
    this.error = null;
    try {
      const { url } = await open();
      window.location.assign(url);
    } catch (error) {
      this.error = describe(error);
      this.pending = null;
    }
  }

  async #loadPlans(): Promise<void> {
    try {
      this.plans = await fetchPlans();
    } catch {
      // The page works without the list (the current plan still shows); the error banner is for the rest.
    }
  }

  /**
   * Fast for a minute after Stripe (until a Checkout's subscription shows) or while a new account's payment
   * set-up finishes, then slow.
   */
  #pace(): void {
    const late = Date.now() > this.#fastUntil;
    if (this.confirming && (this.billing?.subscription || late)) this.confirming = false;
    this.#poller.intervalMs = this.confirming || !late ? SOON_MS : IDLE_MS;
  }
}

const badgeDay = new Intl.DateTimeFormat('en', { day: 'numeric', month: 'short' });

/**
 * The page's badge: the phase, except where Stripe's subscription says more. A plan set to cancel reads as
 * ending (with its day), and a plan chosen during the trial as still a trial (Stripe has charged nothing
 * yet), instead of "Active" for both. `status` is the data-status the badge carries.
 */
export function billingBadge(billing: Pick<Billing, 'phase' | 'plan' | 'subscription'>): StatusLook & { status: string } {
  const sub = billing.subscription;
  if (billing.phase === 'subscribed' && sub) {
    if (sub.cancelAtPeriodEnd) {
      const end = sub.currentPeriodEnd ? Date.parse(sub.currentPeriodEnd) : Number.NaN;
      return { tone: 'warn', label: Number.isNaN(end) ? 'Cancelled' : `Ends ${badgeDay.format(end)}`, status: 'cancels' };
    }
    if (sub.status === 'trialing') return { tone: 'busy', label: billing.plan ? `Trial, then ${billing.plan.name}` : 'Trial', status: 'trialing_plan' };
  }
  return { ...billingPhaseLook(billing.phase), status: billing.phase };
}

/**
 * Under the plans for sale: what choosing one means now. Only a trial with at least two days left is carried
 * into the subscription (the API says so: Stripe refuses a shorter trial_end); after a trial that ended or a
 * cancelled plan, a plan starts at once.
 */
export function checkoutNote(billing: Pick<Billing, 'phase' | 'trial'>): string {
  if (billing.phase === 'trialing' && billing.trial.keptOnCheckout) {
    return 'Monthly, cancel any time. Choosing during your trial keeps its remaining days: the first charge comes when it ends.';
  }
  if (billing.phase === 'trialing') return 'Monthly, cancel any time. Your trial ends within two days, so a plan chosen now starts, and is charged, at once.';
  return 'Monthly, cancel any time. A plan chosen now starts, and is charged, at once.';
}

function describe(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong with billing.';
}
