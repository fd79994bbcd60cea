import type { ApiError, ErrorCode } from '@arm-runner/contract';

const HTTP_STATUS: Record<ErrorCode, number> = {
  INVALID_REQUEST: 400,
  INVALID_IMAGE_REFERENCE: 400,
  INVALID_PLATFORM: 400,
  INVALID_PORT: 400,
  IMAGE_NOT_FOUND: 404,
  RUNS_NATIVELY: 422,
  UNSUPPORTED_PLATFORM: 422,
  NATIVE_FORMAT_REFUSED: 422,
  PLATFORM_MISMATCH: 422,
  PLATFORM_NOT_OFFERED: 422,
  NO_HANDLER: 422,
  NO_EXPOSED_PORTS: 422,
  TAG_CONFLICT: 409,
  PORT_BUSY: 409,
  BUNDLE_INVALID: 500,
  BUNDLE_MISSING: 500,
  ENGINE_UNREACHABLE: 503,
  ENGINE_ERROR: 502,
  PULL_FAILED: 502,
  EXEC_FORMAT_ERROR: 422,
  INTERPRETER_MISSING: 422,
  WRONG_EMULATOR: 422,
  EMULATOR_CRASH: 422,
  PROGRAM_EXITED: 422,
  ENDPOINT_TIMEOUT: 504,
  RUN_NOT_FOUND: 404,
  RUN_ID_AMBIGUOUS: 400,
  TASK_NOT_FOUND: 404,
  UNAUTHORIZED: 401,
  INTERNAL: 500,
};

/** The product's own error: a stable code, a message for the user and the engine's text. */
export class ArmRunnerError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'ArmRunnerError';
    this.code = code;
    this.detail = detail;
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  toApiError(): ApiError {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }
}

/** Converts anything thrown into the product's error, keeping ArmRunnerErrors as they are. */
export function toArmRunnerError(error: unknown): ArmRunnerError {
  if (error instanceof ArmRunnerError) {
    return error;
  }
  const text = error instanceof Error ? error.message : String(error);
  return new ArmRunnerError('INTERNAL', 'ARM Runner failed unexpectedly. The backend log has the details.', text);
}
