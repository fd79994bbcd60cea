/** Stable error codes. Clients branch on these, never on message text. */
export const ERROR_CODES = [
  'INVALID_REQUEST',
  'INVALID_IMAGE_REFERENCE',
  'INVALID_PLATFORM',
  'INVALID_PORT',
  'IMAGE_NOT_FOUND',
  'RUNS_NATIVELY',
  'UNSUPPORTED_PLATFORM',
  'NATIVE_FORMAT_REFUSED',
  'PLATFORM_MISMATCH',
  'PLATFORM_NOT_OFFERED',
  'NO_HANDLER',
  'NO_EXPOSED_PORTS',
  'TAG_CONFLICT',
  'PORT_BUSY',
  'BUNDLE_INVALID',
  'BUNDLE_MISSING',
  'ENGINE_UNREACHABLE',
  'ENGINE_ERROR',
  'PULL_FAILED',
  'EXEC_FORMAT_ERROR',
  'INTERPRETER_MISSING',
  'WRONG_EMULATOR',
  'EMULATOR_CRASH',
  'PROGRAM_EXITED',
  'ENDPOINT_TIMEOUT',
  'RUN_NOT_FOUND',
  'RUN_ID_AMBIGUOUS',
  'TASK_NOT_FOUND',
  'UNAUTHORIZED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The one error shape sent by the backend and printed by the CLI with --json. */
export interface ApiError {
  code: ErrorCode;
  /** Sentence naming what failed and what the user can do about it. */
  message: string;
  /** The engine's or the kernel's own text, kept for diagnosis. */
  detail?: string;
}
