// The hand-off relay in a worker thread of its own: its Temporal calls (gRPC over HTTP/2, protobuf
// encoding, retries) and its sweeper's queries run on this thread's event loop, not on the one that
// acknowledges Twilio's webhooks. The main thread only posts "this row was stored" messages here.
// Everything the relay needs it builds itself from the configuration it is given: a pg pool, a lazy
// Temporal client, the conversation workflow client.
import pg from 'pg';
import { parentPort, workerData } from 'node:worker_threads';
import type { Env } from '../../lib/config/env.js';
import { poolConfigFromUrl } from '../../lib/db/migrate-adapter.js';
import { lazyTemporalClient } from '../../lib/temporal/client.js';
import { conversationWorkflows } from '../workflows/conversations.js';
import { createInboundRelay, relayLimits, type HandOff } from './inbound-relay.js';
import type { RelayRequest, RelayResponse } from './relay-messages.js';

const { env } = workerData as { env: Env };
const port = parentPort!;
const post = (message: RelayResponse) => port.postMessage(message);

const pool = new pg.Pool({ ...poolConfigFromUrl(env.DATABASE_URL), max: 4, connectionTimeoutMillis: 5_000, statement_timeout: 15_000, idleTimeoutMillis: 10_000 });
pool.on('error', () => undefined);
const temporal = lazyTemporalClient(env);
const relay = createInboundRelay({
  pool,
  conversations: conversationWorkflows(temporal, env),
  ...relayLimits(env),
  log: { warn: (obj, msg) => post({ type: 'log', level: 'warn', obj: loggable(obj), msg }) },
});

port.on('message', (request: RelayRequest) => {
  switch (request.type) {
    case 'handOff':
      relay.handOff(request.item satisfies HandOff);
      return;
    case 'start':
      relay.start();
      return;
    case 'sweep':
      void relay.sweep().then((count) => post({ type: 'done', id: request.id, count }), (err: unknown) => post({ type: 'failed', id: request.id, message: String(err) }));
      return;
    case 'idle':
      void relay.idle().then(() => post({ type: 'done', id: request.id, count: 0 }));
      return;
    case 'close':
      void relay
        .close()
        .then(() => pool.end())
        .then(() => temporal.connection.close())
        .finally(() => post({ type: 'done', id: request.id, count: 0 }));
      return;
  }
});

/** Errors do not survive postMessage's structured clone with their message intact everywhere: flatten them. */
function loggable(obj: object): object {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, v instanceof Error ? { message: v.message, name: v.name } : v]));
}
