import { ArmRunnerError } from '../errors.ts';

/** How many log lines an error keeps as detail. */
const TAIL_LINES = 20;

function lastLines(text: string): string {
  return text.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
}

/**
 * Classifies a run whose program stopped before its endpoint responded, from
 * its exit code and its output. The kernel's and runc's words are kept as detail.
 */
export function classifyEarlyExit(imageReference: string, exitCode: number, output: string): ArmRunnerError {
  const detail = lastLines(output);

  if (/exec format error/i.test(output)) {
    return new ArmRunnerError(
      'EXEC_FORMAT_ERROR',
      `The program in ${imageReference} failed with "exec format error": the kernel found no binfmt_misc handler for it. ` +
        'Register a QEMU handler on the engine\'s host and try again.',
      detail,
    );
  }
  if (/exec .*: no such file or directory/i.test(output)) {
    return new ArmRunnerError(
      'INTERPRETER_MISSING',
      `The program in ${imageReference} could not start: the binfmt_misc handler's interpreter was not found inside the container. ` +
        'Run the augmented image, or register the handler with the F flag.',
      detail,
    );
  }
  return new ArmRunnerError(
    'PROGRAM_EXITED',
    `The program in ${imageReference} exited with code ${exitCode} before its endpoint answered. Its last log lines are in the detail.`,
    detail,
  );
}
