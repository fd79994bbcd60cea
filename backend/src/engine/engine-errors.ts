import { ArmRunnerError } from '../errors.ts';

/** The fields read from what an Engine API call rejects with: an EngineApiError or a socket error. */
interface EngineErrorShape {
  statusCode?: number;
  code?: string;
}

/** Returns the engine's own message. An EngineApiError carries it as its message. */
export function engineMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Returns the HTTP status of an EngineApiError, or undefined for other errors. */
export function engineStatusCode(error: unknown): number | undefined {
  const statusCode = (error as EngineErrorShape | null)?.statusCode;
  return typeof statusCode === 'number' ? statusCode : undefined;
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

  const code = (error as EngineErrorShape | null)?.code;
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

  // Rootless engines cannot bind host ports below 1024 unless the host allows
  // it, and report "cannot expose privileged port" or a bind permission error.
  if (/privileged port|bind: permission denied/i.test(message)) {
    const port = /privileged port (\d{1,5})/i.exec(message)?.[1] ?? /:(\d{1,5}): bind/i.exec(message)?.[1];
    const subject = port === undefined ? 'a host port below 1024' : `host port ${port}`;
    return new ArmRunnerError(
      'INVALID_PORT',
      `The engine refuses to publish ${subject}: a rootless engine cannot bind ports below 1024. ` +
        'Choose a host port of 1024 or more, or leave it empty so that the engine picks a free one.',
      message,
    );
  }

  return new ArmRunnerError('ENGINE_ERROR', `The Docker engine failed to ${context}.`, message);
}
