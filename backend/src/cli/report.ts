import type { ApiError } from '@arm-runner/contract';
import { toArmRunnerError } from '../errors.ts';
import { logger } from '../log.ts';

/** Prints an error in the CLI's one shape on stderr: JSON with --json, else a line with the code. */
export function reportError(error: unknown, json: boolean): void {
  const armError = toArmRunnerError(error);
  if (armError.code === 'INTERNAL') {
    logger.error({ event: 'cli.internal-error', err: error }, 'command failed unexpectedly');
  }
  const body: ApiError = armError.toApiError();
  if (json) {
    process.stderr.write(`${JSON.stringify(body)}\n`);
    return;
  }
  process.stderr.write(`Error (${body.code}): ${body.message}\n`);
  if (body.detail !== undefined) {
    process.stderr.write(`${body.detail.replace(/^/gm, '  ')}\n`);
  }
}
