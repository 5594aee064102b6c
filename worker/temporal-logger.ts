// The Temporal SDK's own log (workflow and activity failures with their errors, worker state, core's
// messages) through the same pino options as every other WARA log: structured, and scrubbed of secrets
// (lib/logging.ts). Without this the SDK writes to stderr unscrubbed, and an activity's error text is
// exactly where a provider might quote a credential.
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** The SDK's level for a WARA LOG_LEVEL: the SDK is chatty at INFO only when someone asked for debug. */
export function temporalLogLevel(level: string): LogLevel {
  return level === 'trace' ? 'TRACE' : level === 'debug' ? 'DEBUG' : level === 'info' ? 'INFO' : level === 'warn' ? 'WARN' : 'ERROR';
}

export function temporalLogger(logger: Logger, level: LogLevel): DefaultLogger {
  return new DefaultLogger(level, (entry: LogEntry) => {
    const { error, ...meta } = (entry.meta ?? {}) as Record<string, unknown>;
    // `err` is the key pino serializes errors under (message, type, stack); the rest stays structured.
    logger[PINO_LEVEL[entry.level]]({ source: 'temporal', ...meta, ...(error === undefined ? {} : { err: error }) }, entry.message);
  });
}
