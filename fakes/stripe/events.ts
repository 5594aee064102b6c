// Every state change becomes an event (`evt_…`) with the object as it is now and, for updates, the
// fields that changed with their old values (`previous_attributes`), as Stripe sends them. New events
// are stored (GET /v1/events) and handed to the webhook dispatcher.
import { newId } from './ids.js';
import type { Json } from './render.js';
import type { FakeStripeState } from './state.js';
import type { EventRecord, RequestOrigin } from './types.js';

export const NO_REQUEST: RequestOrigin = { id: null, idempotency_key: null };

export interface EventSink {
  enqueue(event: EventRecord): void;
}

/** Top-level fields whose value changed, with their old values (null when nothing changed). */
export function previousAttributes(before: Json, after: Json): Json | null {
  const prev: Json = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) prev[key] = before[key] ?? null;
  }
  return Object.keys(prev).length ? prev : null;
}

export class EventLog {
  constructor(
    private readonly state: FakeStripeState,
    private readonly sink: EventSink,
  ) {}

  emit(type: string, object: Json, origin: RequestOrigin | null, previous: Json | null = null, at?: number): EventRecord {
    const ev: EventRecord = {
      id: newId('evt'),
      type,
      created: at ?? this.state.clock.now(),
      apiVersion: this.state.config.apiVersion,
      // A deep copy: the event keeps the object as it was at this moment.
      object: structuredClone(object),
      previousAttributes: previous ? structuredClone(previous) : null,
      request: origin ?? NO_REQUEST,
      pendingWebhooks: this.state.config.webhookUrls.length,
    };
    this.state.events.set(ev.id, ev);
    this.sink.enqueue(ev);
    return ev;
  }
}
