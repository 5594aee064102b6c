// What the API's main thread and the relay thread say to each other (api/webhooks/relay-thread.ts).
import type { HandOff } from './inbound-relay.js';

export type RelayRequest =
  | { type: 'handOff'; item: HandOff }
  | { type: 'start' }
  | { type: 'sweep'; id: number }
  | { type: 'idle'; id: number }
  | { type: 'close'; id: number };

export type RelayResponse =
  | { type: 'done'; id: number; count: number }
  | { type: 'failed'; id: number; message: string }
  | { type: 'log'; level: 'warn'; obj: object; msg: string };
