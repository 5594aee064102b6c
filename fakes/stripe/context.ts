import type { Billing } from './billing.js';
import type { EventLog } from './events.js';
import type { IdempotencyStore } from './idempotency.js';
import type { RenderContext } from './render.js';
import type { FakeStripeState } from './state.js';
import type { WebhookDispatcher } from './webhooks.js';

/** What every route module needs: the state, the engines around it and the render context. */
export interface FakeStripeContext {
  state: FakeStripeState;
  events: EventLog;
  webhooks: WebhookDispatcher;
  billing: Billing;
  rc: RenderContext;
  idempotency: IdempotencyStore;
}
