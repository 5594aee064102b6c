import { ApiError } from '#lib/services/api.ts';
import {
  fetchCustomers,
  parseOptInLines,
  recordOptIns,
  updateCustomer,
  type ConsentFilter,
  type Customer,
  type OptInResult,
} from '#lib/services/customers.ts';
import { localTimeToIso } from '#lib/utilities/format.ts';

/**
 * The broadcast audience: customers of one channel with their consent and tags (filtered, "show more"),
 * recording opt-ins in bulk with their source and time, and a customer's first name and tags.
 */
export class AudiencePage {
  channel = $state<'whatsapp' | 'sms'>('whatsapp');
  consent = $state<ConsentFilter>('all');
  tag = $state<string | null>(null);
  customers = $state<Customer[]>([]);
  tags = $state<Array<{ tag: string; customers: number }>>([]);
  nextCursor = $state<string | null>(null);
  loaded = $state(false);
  error = $state<string | null>(null);

  optInText = $state('');
  optInSource = $state('website_form');
  optInDate = $state('');
  recording = $state(false);
  optInResult = $state<(OptInResult & { bad: string[] }) | null>(null);
  optInError = $state<string | null>(null);
  saving = $state<string | null>(null);

  async load(): Promise<void> {
    try {
      const page = await fetchCustomers({ channel: this.channel, consent: this.consent, tag: this.tag });
      this.customers = page.items;
      this.tags = page.tags;
      this.nextCursor = page.nextCursor;
      this.loaded = true;
      this.error = null;
    } catch (error) {
      this.error = error instanceof ApiError ? error.message : 'Could not load your customers.';
    }
  }

  async more(): Promise<void> {
    if (!this.nextCursor) return;
    const page = await fetchCustomers({ channel: this.channel, consent: this.consent, tag: this.tag, cursor: this.nextCursor });
    this.customers = [...this.customers, ...page.items];
    this.nextCursor = page.nextCursor;
  }

  async show(filter: { channel?: 'whatsapp' | 'sms'; consent?: ConsentFilter; tag?: string | null }): Promise<void> {
    if (filter.channel) this.channel = filter.channel;
    if (filter.consent) this.consent = filter.consent;
    if (filter.tag !== undefined) this.tag = filter.tag;
    await this.load();
  }

  async recordOptIns(): Promise<void> {
    if (this.recording) return;
    const { customers, bad } = parseOptInLines(this.optInText);
    this.optInError = null;
    this.optInResult = null;
    if (customers.length === 0) {
      this.optInError = bad.length > 0 ? `No line could be read; start each with a number like +14155550123 (${bad[0]}).` : 'Add at least one customer.';
      return;
    }
    this.recording = true;
    try {
      const result = await recordOptIns({
        channel: this.channel,
        source: this.optInSource,
        ...(this.optInDate ? { consentedAt: localTimeToIso(this.optInDate) } : {}),
        customers,
      });
      this.optInResult = { ...result, bad };
      this.optInText = bad.join('\n');
      await this.load();
    } catch (error) {
      this.optInError = error instanceof ApiError ? error.message : 'The opt-ins could not be recorded.';
    } finally {
      this.recording = false;
    }
  }

  async saveCustomer(id: string, patch: { firstName?: string | null; tags?: string[] }): Promise<boolean> {
    this.saving = id;
    try {
      const updated = await updateCustomer(id, patch);
      this.customers = this.customers.map((c) => (c.id === id ? updated : c));
      return true;
    } catch (error) {
      this.error = error instanceof ApiError ? error.message : 'Could not save the customer.';
      return false;
    } finally {
      this.saving = null;
    }
  }
}
