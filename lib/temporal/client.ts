import { Client, Connection } from '@temporalio/client';
import type { Env } from '../config/env.js';

/** The API's Temporal client: starts, signals and queries workflows; never runs them. */
export async function connectTemporalClient(env: Pick<Env, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>): Promise<Client> {
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
}
