import { ArmRunnerError } from '../errors.ts';

interface EngineErrorShape {
  statusCode?: number;
  code?: string;
  reason?: string;
  json?: { message?: string } | null;
  message?: string;
}

/** Returns the daemon's own message from a dockerode error, without dockerode's prefix. */
export function engineMessage(error: unknown): string {
  const shaped = error as EngineErrorShape;
  if (shaped.json && typeof shaped.json.message === 'string') {
    return shaped.json.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function engineStatusCode(error: unknown): number | undefined {
  return (error as EngineErrorShape).statusCode;
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/**
 * Maps an error from the Engine API to the product's error, in one place.
 * `context` names the action, for example "create the run container".
 */
export function fromEngineError(error: unknown, context: string): ArmRunnerError {
  if (error instanceof ArmRunnerError) {
    return error;
  }

  const code = (error as EngineErrorShape).code;
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return new ArmRunnerError(
      'ENGINE_UNREACHABLE',
      `Could not reach the Docker engine to ${context}. Start the engine, or point DOCKER_HOST at it, and try again.`,
      engineMessage(error),
    );
  }

  const message = engineMessage(error);
  if (/port is already allocated|address already in use/i.test(message)) {
    const port = /:(\d{1,5})\b/.exec(message)?.[1];
    const subject = port === undefined ? 'A requested host port' : `Host port ${port}`;
    return new ArmRunnerError(
      'PORT_BUSY',
      `${subject} is already in use. Choose another host port, or let the engine pick a free one (host port 0, or an empty host port field in the tab).`,
      message,
    );
  }

  return new ArmRunnerError('ENGINE_ERROR', `The Docker engine failed to ${context}.`, message);
}
