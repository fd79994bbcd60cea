import pino from 'pino';

/**
 * The backend's structured logger: one JSON line per event on stderr, so that
 * the CLI's stdout stays machine-readable. The level comes from
 * ARM_RUNNER_LOG_LEVEL and defaults to info.
 */
export const logger = pino(
  { name: 'arm-runner', level: process.env.ARM_RUNNER_LOG_LEVEL ?? 'info' },
  pino.destination(2),
);

export type Logger = typeof logger;
