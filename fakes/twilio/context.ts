import type { MessagePipeline } from './pipeline.js';
import type { FakeTwilioState } from './state.js';
import type { WebhookSender } from './webhooks.js';

/** What every route module needs: the state and the two background engines. */
export interface FakeContext {
  state: FakeTwilioState;
  webhooks: WebhookSender;
  pipeline: MessagePipeline;
}
