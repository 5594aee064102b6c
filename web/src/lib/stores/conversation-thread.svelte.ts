import { ApiError } from '#lib/services/api.ts';
import { fetchThread, sendManualReply, setTakeover, type Thread, type ThreadMessage } from '#lib/services/conversations.ts';
import { VisiblePoller } from './visible-poller.ts';

/**
 * State of one conversation: its thread (re-read every couple of seconds while the tab is visible, so
 * the AI's replies and delivery statuses appear as they happen), takeover / hand back, and manual replies.
 */
export class ConversationThread {
  thread = $state<Thread | null>(null);
  error = $state<string | null>(null);
  notFound = $state(false);
  pending = $state<'takeover' | 'resume' | null>(null);
  sending = $state(false);
  replyError = $state<string | null>(null);

  readonly #id: string;
  readonly #poller: VisiblePoller;

  constructor(id: string, options: { pollIntervalMs?: number } = {}) {
    this.#id = id;
    this.#poller = new VisiblePoller(() => this.load(), options.pollIntervalMs ?? 2_500);
  }

  start(): void {
    void this.load();
    this.#poller.start();
  }

  stop(): void {
    this.#poller.dispose();
  }

  async load(): Promise<void> {
    if (this.notFound) return;
    try {
      this.thread = await fetchThread(this.#id);
      this.error = null;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        this.notFound = true;
        this.stop();
      }
      this.error = describe(error);
    }
  }

  async setTakeover(action: 'takeover' | 'resume'): Promise<void> {
    if (this.pending) return;
    this.pending = action;
    try {
      const aiPaused = await setTakeover(this.#id, action);
      if (this.thread) {
        const { conversation } = this.thread;
        this.thread.conversation = { ...conversation, aiPaused, takeover: { ...conversation.takeover, aiPaused } };
      }
      this.error = null;
      await this.load();
    } catch (error) {
      this.error = describe(error);
    } finally {
      this.pending = null;
    }
  }

  /** Sends the merchant's reply; true when the API accepted it (the form then clears). */
  async reply(body: string): Promise<boolean> {
    if (this.sending) return false;
    this.sending = true;
    this.replyError = null;
    try {
      const message = await sendManualReply(this.#id, body);
      // Shown at once as queued; the next poll brings its delivery status.
      if (this.thread && !this.thread.messages.some((m) => m.id === message.id)) {
        this.thread.messages = [...this.thread.messages, asThreadMessage(message)];
      }
      return true;
    } catch (error) {
      this.replyError = describe(error);
      return false;
    } finally {
      this.sending = false;
    }
  }
}

function asThreadMessage(message: Omit<ThreadMessage, keyof ThreadExtras>): ThreadMessage {
  return {
    ...message,
    providerMessageSid: null,
    replyToMessageSid: null,
    contentSid: null,
    model: null,
    tokens: { prompt: null, completion: null },
    latencyMs: null,
    sources: [],
    fallbackReason: null,
    workflowUrl: null,
    // Until the next read of the thread (which counts it); the page polls every couple of seconds.
    segments: null,
    agentVersion: null,
    knowledgeSources: [],
  };
}

type ThreadExtras = Pick<
  ThreadMessage,
  | 'providerMessageSid'
  | 'replyToMessageSid'
  | 'contentSid'
  | 'model'
  | 'tokens'
  | 'latencyMs'
  | 'sources'
  | 'fallbackReason'
  | 'workflowUrl'
  | 'segments'
  | 'agentVersion'
  | 'knowledgeSources'
>;

function describe(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong with this conversation.';
}
