import type { Finding, QemuArch } from '@arm-runner/contract';
import { ArmRunnerError } from '../errors.ts';

/** How many log lines an error keeps as detail. */
const TAIL_LINES = 20;
/** How many distinct QEMU reports become findings; the rest are counted. */
const MAX_QEMU_FINDINGS = 10;

function lastLines(text: string): string {
  return text.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
}

export interface EarlyExit {
  imageReference: string;
  exitCode: number;
  output: string;
  /** The version of the QEMU that emulates the run, for emulator-level failures. */
  qemuVersion: string | null;
}

/**
 * Classifies a run whose program stopped before its endpoint responded, from
 * its exit code and its output. The kernel's, runc's and QEMU's words are
 * kept as detail.
 */
export function classifyEarlyExit({ imageReference, exitCode, output, qemuVersion }: EarlyExit): ArmRunnerError {
  const detail = lastLines(output);
  const qemu = qemuVersion === null ? 'QEMU' : `QEMU ${qemuVersion}`;

  if (/exec format error/i.test(output)) {
    return new ArmRunnerError(
      'EXEC_FORMAT_ERROR',
      `The program in ${imageReference} failed with "exec format error": the kernel found no binfmt_misc handler for it. ` +
        'Register a QEMU handler on the engine\'s host and try again.',
      detail,
    );
  }

  // QEMU prints this when the ELF's class or machine is not the CPU it emulates.
  if (/Invalid ELF image for this architecture/i.test(output)) {
    return new ArmRunnerError(
      'WRONG_EMULATOR',
      `The program in ${imageReference} was started by an emulator for another CPU: ${qemu} rejected it with ` +
        '"Invalid ELF image for this architecture". The image\'s platform probably does not match its programs ' +
        '(for example an arm64 config with 32-bit ARM programs). Rebuild the image for the right platform.',
      detail,
    );
  }

  const crash = /qemu: uncaught target signal (\d+) \(([^)]+)\)/i.exec(output);
  if (crash !== null) {
    const [, signal, signalName] = crash;
    const illegalInstruction = signal === '4';
    return new ArmRunnerError(
      'EMULATOR_CRASH',
      `The program in ${imageReference} died inside the emulator: ${qemu} stopped on uncaught signal ${signal} (${signalName}). ` +
        (illegalInstruction
          ? 'The program used an instruction that the emulated CPU lacks, so it would fail the same way on that ARM hardware. ' +
            'An arm/v6 image whose programs are built for ARMv7 does this; run an image built for the platform.'
          : 'This is a failure of the program under emulation, not an ordinary exit. ' +
            'Some programs hit bugs of older QEMU versions; try a newer QEMU or the image on ARM hardware.'),
      detail,
    );
  }

  // docker-init (tini) retries a program that fails with "exec format error"
  // through /bin/sh, so behind it both failures read "No such file or directory".
  if (/\[FATAL tini[^\]]*\] exec .* failed: no such file or directory/i.test(output)) {
    return new ArmRunnerError(
      'INTERPRETER_MISSING',
      `The program in ${imageReference} could not start: the kernel found no usable interpreter for it, or the program itself is missing. ` +
        'Check the emulation status (arm-runner status), which tests the handler for this platform, and the image\'s ENTRYPOINT and CMD.',
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

// System calls that glibc makes at start and does without when they fail with
// ENOSYS: rseq (398 on 32-bit ARM, 293 on AArch64) and clone3 (435 on both).
// QEMU 7.2's reports of them are therefore no sign of a problem.
const PROBED_SYSCALLS: Record<QemuArch, Set<string>> = {
  arm: new Set(['398', '435']),
  aarch64: new Set(['293', '435']),
};

/**
 * Finds QEMU's reports of system calls and ioctls it does not implement, which
 * it prints when QEMU_LOG includes "unimp". The program goes on, but gets
 * ENOSYS or EINVAL where real hardware would work. System calls that C
 * libraries probe at start are left out for the given emulator.
 */
export function qemuUnsupportedFindings(output: string, arch: QemuArch): Finding[] {
  const syscalls = new Set<string>();
  const ioctls = new Set<string>();
  for (const match of output.matchAll(/Unsupported syscall: (\d+)/g)) {
    const number = match[1] ?? '';
    if (!PROBED_SYSCALLS[arch].has(number)) {
      syscalls.add(number);
    }
  }
  for (const match of output.matchAll(/Unsupported ioctl: cmd=(0x[0-9a-f]+)/gi)) {
    ioctls.add(match[1] ?? '');
  }

  const findings: Finding[] = [];
  const listed = (values: Set<string>): string => {
    const firstValues = [...values].slice(0, MAX_QEMU_FINDINGS);
    const more = values.size - firstValues.length;
    const suffix = more > 0 ? ` and ${more} more` : '';
    return `${firstValues.join(', ')}${suffix}`;
  };
  if (syscalls.size > 0) {
    findings.push({
      code: 'UNSUPPORTED_SYSCALL',
      message:
        `QEMU does not implement system call number ${listed(syscalls)} for this CPU, so the program got ENOSYS there. ` +
        'On ARM hardware the call would work, so a feature of the program may fail only under emulation.',
      fix: 'Try a newer QEMU (Docker Desktop updates its own), or test that feature on ARM hardware.',
    });
  }
  if (ioctls.size > 0) {
    findings.push({
      code: 'UNSUPPORTED_IOCTL',
      message: `QEMU does not translate ioctl ${listed(ioctls)}, so the program got an error there that ARM hardware would not give.`,
      fix: 'Try a newer QEMU, or test that feature on ARM hardware.',
    });
  }
  return findings;
}
