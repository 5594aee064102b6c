import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
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

/** The API's Temporal client: starts, signals and queries workflows; never runs them. */
export async function connectTemporalClient(env: TemporalEnv): Promise<Client> {
  const connection = await Connection.connect(temporalConnectionOptions(env));
  return new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
}

/**
 * The same client, connecting on first use: the API must start and take webhooks while Temporal is down
 * (the inbound outbox holds messages until the relay can signal), so start-up never waits on it.
 */
export function lazyTemporalClient(env: TemporalEnv): Client {
  return new Client({ connection: Connection.lazy(temporalConnectionOptions(env)), namespace: env.TEMPORAL_NAMESPACE });
}
