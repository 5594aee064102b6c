import { ApiError } from '#lib/services/api.ts';
import { buyNumber, fetchSmsOverview, isBusy, releaseNumber, searchNumbers, type AvailableNumber, type SmsOverview } from '#lib/services/sms.ts';
import { VisiblePoller } from './visible-poller.ts';

/**
 * State of the SMS page: the tenant's numbers (re-read every two seconds while one is being bought or
 * released: the workflow's steps are live), the search for numbers on sale, buying and releasing.
 */
export class SmsNumbers {
  overview = $state<SmsOverview | null>(null);
  error = $state<string | null>(null);
  country = $state('US');
  areaCode = $state('');
  contains = $state('');
  searching = $state(false);
  results = $state<AvailableNumber[] | null>(null);
  searchError = $state<string | null>(null);
  /** The number being bought or released right now. */
  pending = $state<string | null>(null);

  readonly #poller: VisiblePoller;

  constructor(options: { pollIntervalMs?: number } = {}) {
    this.#poller = new VisiblePoller(() => this.load(), options.pollIntervalMs ?? 2_000);
  }

  async load(): Promise<void> {
    try {
      this.overview = await fetchSmsOverview();
      this.error = null;
    } catch (error) {
      this.error = describe(error, 'Could not load your SMS numbers.');
    }
    if (this.overview?.numbers.some(isBusy)) this.#poller.start();
    else this.#poller.stop();
  }

  async search(): Promise<void> {
    if (this.searching) return;
    this.searching = true;
    this.searchError = null;
    try {
      this.results = await searchNumbers({
        country: this.country,
        ...(this.areaCode.trim() ? { areaCode: this.areaCode.trim() } : {}),
        ...(this.contains.trim() ? { contains: this.contains.trim() } : {}),
      });
    } catch (error) {
      this.searchError = describe(error, 'The search did not work; try again.');
    } finally {
      this.searching = false;
    }
  }

  async buy(number: AvailableNumber): Promise<void> {
    if (this.pending) return;
    this.pending = number.phoneNumber;
    this.searchError = null;
    try {
      await buyNumber(number.phoneNumber, number.isoCountry);
      this.results = null;
      await this.load();
    } catch (error) {
      this.searchError = describe(error, 'Could not buy that number.');
    } finally {
      this.pending = null;
    }
  }

  async release(id: string): Promise<void> {
    if (this.pending) return;
    this.pending = id;
    try {
      await releaseNumber(id);
      await this.load();
    } catch (error) {
      this.error = describe(error, 'Could not release that number.');
    } finally {
      this.pending = null;
    }
  }

  stop(): void {
    this.#poller.dispose();
  }
}

function describe(error: unknown, fallback: string): string {
  return error instanceof ApiError ? error.message : fallback;
}
