/**
 * Stable codes of the warnings that status, runs and image checks report.
 * Clients branch on these, never on message text.
 */
export const FINDING_CODES = [
  /** binfmt_misc is switched off as a whole. */
  'BINFMT_DISABLED',
  /** A handler matches programs that the engine's CPU runs natively. */
  'NATIVE_FORMAT_HANDLER',
  /** More than one enabled handler matches the same ARM programs. */
  'SEVERAL_HANDLERS',
  /** A handler without F names an interpreter path where the bundle puts no QEMU. */
  'INTERPRETER_PATH_MISMATCH',
  /** The test program disagrees with what the handler table suggests. */
  'TABLE_DISAGREES_WITH_TEST',
  /** The handler a run started under is no longer registered. */
  'HANDLER_GONE',
  /** The image config names architecture "arm" without a variant. */
  'PLATFORM_WITHOUT_VARIANT',
  /** The image has setuid or setgid files, and the handler lacks the C flag. */
  'SETUID_WITHOUT_C_FLAG',
  /** The image's programs need a newer ARM CPU than its platform claims. */
  'CPU_NEWER_THAN_PLATFORM',
  /** The backend could not read a multi-arch index, so the engine pulled by the index digest. */
  'INDEX_NOT_READ',
  /** The image's entrypoint or command does not lead to a program that can run. */
  'PROGRAM_NOT_RUNNABLE',
  /** A dynamically linked program's loader is missing from the image or unusable. */
  'LOADER_MISSING',
  /** The image's files could not be fully inspected, so some checks were not made. */
  'INSPECTION_INCOMPLETE',
  /** QEMU reported a system call it does not implement. */
  'UNSUPPORTED_SYSCALL',
  /** QEMU reported an ioctl it does not implement. */
  'UNSUPPORTED_IOCTL',
] as const;

export type FindingCode = (typeof FINDING_CODES)[number];

/** One warning for the user, with a stable code and, where there is one, a fix. */
export interface Finding {
  code: FindingCode;
  /** Sentence that states what was found and what it means. */
  message: string;
  /** Steps that fix it. */
  fix?: string;
}
