import { readFileSync } from 'node:fs';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Env } from '../config/env.js';

type TemporalEnv = Pick<Env, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TLS' | 'TEMPORAL_TLS_CA_FILE' | 'TEMPORAL_TLS_CERT_FILE' | 'TEMPORAL_TLS_KEY_FILE' | 'TEMPORAL_API_KEY'>;

/**
 * How to reach the Temporal server: plain on the dev server; TLS (server CA, optional mTLS client pair)
 * and/or an API key (Temporal Cloud, or a cluster behind an authorizer) when configured. The same for the
 * API's client and the worker's native connection.
 */
export function temporalConnectionOptions(env: TemporalEnv): ConnectionOptions & NativeConnectionOptions {
  const tls = env.TEMPORAL_TLS || env.TEMPORAL_TLS_CA_FILE || env.TEMPORAL_TLS_CERT_FILE || env.TEMPORAL_API_KEY;
  return {
    address: env.TEMPORAL_ADDRESS,
    ...(tls
      ? {
          tls: {
            ...(env.TEMPORAL_TLS_CA_FILE ? { serverRootCACertificate: readFileSync(env.TEMPORAL_TLS_CA_FILE) } : {}),
            ...(env.TEMPORAL_TLS_CERT_FILE && env.TEMPORAL_TLS_KEY_FILE
              ? { clientCertPair: { crt: readFileSync(env.TEMPORAL_TLS_CERT_FILE), key: readFileSync(env.TEMPORAL_TLS_KEY_FILE) } }
              : {}),
          },
        }
      : {}),
    ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}),
  };
}

/**
 * The SDK's gRPC retry interceptor schedules each retry on a timer and opens the new call when it fires; a
 * retry firing after `connection.close()` throws "Channel has been shut down" from that timer, where nothing
 * can catch it, and the process dies. So this client's close stops scheduling retries, waits for the ones
 * already on a timer to fire (each then ends on an open channel), and only then closes.
 */
function retriesThatStopOnClose(): { interceptors: NonNullable<ConnectionOptions['interceptors']>; drain(): Promise<void> } {
  const defaults = defaultGrpcRetryOptions();
  let closing = false;
  let lastRetryAt = 0;
  return {
    interceptors: [
      makeGrpcRetryInterceptor({
        retryableDecider: (attempt, status) => !closing && defaults.retryableDecider(attempt, status),
        delayFunction: (attempt, status) => {
          const delay = defaults.delayFunction(attempt, status);
          lastRetryAt = Math.max(lastRetryAt, Date.now() + delay);
          return delay;
        },
      }),
    ],
    async drain() {
      closing = true;
      // Until the last scheduled retry has fired (the default backoff caps at 5 s), by the wall clock: timers run
      // on the event loop's clock, which lags Date.now() while the loop is busy (a loaded machine), so a timer
      // set for "the same moment plus 50 ms" could still fire before the retry. Then one more timer turn,
      // whose loop clock is past every retry's expiry: those run first.
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      while (Date.now() < lastRetryAt + 50) await sleep(Math.max(1, lastRetryAt + 50 - Date.now()));
      await sleep(1);
    },
  };
}

function closingSafely(options: ConnectionOptions): Connection {
  const retries = retriesThatStopOnClose();
  const connection = Connection.lazy({ ...options, interceptors: retries.interceptors });
  const close = connection.close.bind(connection);
  connection.close = async () => {
    await retries.drain();
    await close();
  };
  return connection;
}

/** The API's Temporal client: starts, signals and queries workflows; never runs them. */
export async function connectTemporalClient(env: TemporalEnv): Promise<Client> {
  const connection = closingSafely(temporalConnectionOptions(env));
  await connection.ensureConnected();
  return new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
}

/**
 * The same client, connecting on first use: the API must start and take webhooks while Temporal is down
 * (the inbound outbox holds messages until the relay can signal), so start-up never waits on it.
 */
export function lazyTemporalClient(env: TemporalEnv): Client {
  return new Client({ connection: closingSafely(temporalConnectionOptions(env)), namespace: env.TEMPORAL_NAMESPACE });
}
