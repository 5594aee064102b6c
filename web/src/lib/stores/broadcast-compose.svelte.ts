import { ApiError } from '#lib/services/api.ts';
import {
  createBroadcast,
  fetchBroadcasts,
  fetchTemplates,
  previewBroadcast,
  type BroadcastDetail,
  type Channel,
  type MessageDraft,
  type Preview,
  type Senders,
  type Template,
  type VariableSpec,
} from '#lib/services/broadcasts.ts';
import { fetchCustomers } from '#lib/services/customers.ts';
import { localTimeToIso } from '#lib/utilities/format.ts';

/** A placeholder's value as the form edits it. */
export interface VariableChoice {
  kind: 'first_name' | 'text';
  /** The fallback for a missing first name, or the fixed text. */
  value: string;
}

/**
 * The compose form: channel, audience (tags, last contact), the message (an approved template and its
 * placeholders, or SMS text), when to send, a preview with the recipient count and a rendered sample, send.
 */
export class BroadcastCompose {
  senders = $state<Senders | null>(null);
  templates = $state<Template[] | null>(null);
  tags = $state<Array<{ tag: string; customers: number }>>([]);
  loadError = $state<string | null>(null);

  name = $state('');
  channel = $state<Channel>('whatsapp');
  selectedTags = $state<string[]>([]);
  tagMatch = $state<'any' | 'all'>('any');
  contactedWithinDays = $state<number | null>(null);
  notContactedForDays = $state<number | null>(null);
  contentSid = $state('');
  variables = $state<Record<string, VariableChoice>>({});
  text = $state('Hi {{first_name}}, ');
  when = $state<'now' | 'later'>('now');
  scheduledAt = $state('');

  preview = $state<Preview | null>(null);
  previewing = $state(false);
  sending = $state(false);
  error = $state<string | null>(null);

  template = $derived(this.templates?.find((t) => t.contentSid === this.contentSid) ?? null);

  async load(): Promise<void> {
    try {
      const [list, templates] = await Promise.all([fetchBroadcasts(), fetchTemplates()]);
      this.senders = list.senders;
      this.templates = templates.templates;
      if (!list.senders.whatsapp.ready && list.senders.sms.ready) this.channel = 'sms';
      const first = templates.templates[0];
      if (first) this.pickTemplate(first.contentSid);
      await this.loadTags();
    } catch (error) {
      this.loadError = error instanceof ApiError ? error.message : 'Could not load what you need to compose a broadcast.';
    }
  }

  async loadTags(): Promise<void> {
    this.tags = (await fetchCustomers({ channel: this.channel, consent: 'reachable' })).tags;
    this.selectedTags = this.selectedTags.filter((t) => this.tags.some((x) => x.tag === t));
  }

  async pickChannel(channel: Channel): Promise<void> {
    this.channel = channel;
    this.preview = null;
    await this.loadTags();
  }

  pickTemplate(contentSid: string): void {
    this.contentSid = contentSid;
    const template = this.templates?.find((t) => t.contentSid === contentSid);
    const next: Record<string, VariableChoice> = {};
    // The first placeholder is usually the greeting's name; the others start as fixed text.
    for (const [i, p] of (template?.placeholders ?? []).entries()) next[p] = this.variables[p] ?? (i === 0 ? { kind: 'first_name', value: 'there' } : { kind: 'text', value: '' });
    this.variables = next;
    this.preview = null;
  }

  toggleTag(tag: string): void {
    this.selectedTags = this.selectedTags.includes(tag) ? this.selectedTags.filter((t) => t !== tag) : [...this.selectedTags, tag];
    this.preview = null;
  }

  draft(): MessageDraft {
    const audience = {
      tags: this.selectedTags,
      tagMatch: this.tagMatch,
      contactedWithinDays: this.contactedWithinDays || null,
      notContactedForDays: this.notContactedForDays || null,
    };
    if (this.channel === 'sms') return { channel: 'sms', audience, text: this.text };
    const variables: Record<string, VariableSpec> = {};
    for (const [key, v] of Object.entries(this.variables)) variables[key] = v.kind === 'first_name' ? { field: 'first_name', fallback: v.value || 'there' } : { text: v.value };
    return { channel: 'whatsapp', audience, contentSid: this.contentSid, variables };
  }

  async showPreview(): Promise<void> {
    if (this.previewing) return;
    this.previewing = true;
    this.error = null;
    try {
      this.preview = await previewBroadcast(this.draft());
    } catch (error) {
      this.error = error instanceof ApiError ? error.message : 'The preview did not work; try again.';
    } finally {
      this.previewing = false;
    }
  }

  /** Sends (or schedules) it; resolves with the new broadcast for the progress page. */
  async send(): Promise<BroadcastDetail | null> {
    if (this.sending) return null;
    this.sending = true;
    this.error = null;
    try {
      const scheduledAt = this.when === 'later' && this.scheduledAt ? localTimeToIso(this.scheduledAt) : null;
      return await createBroadcast({ ...this.draft(), name: this.name.trim(), scheduledAt });
    } catch (error) {
      this.error = error instanceof ApiError ? error.message : 'The broadcast could not be sent; try again.';
      return null;
    } finally {
      this.sending = false;
    }
  }
}
