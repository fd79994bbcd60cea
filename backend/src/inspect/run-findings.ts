import type { Finding, FindingCode, ImageInspection, InspectionFindingCode, PlatformVerdict } from '@arm-runner/contract';
import { ArmRunnerError } from '../errors.ts';
import { emulatorFor } from '../emulation/platform.ts';

// The finding code that each inspection finding gets next to a run. The architecture
// mismatch is absent because it stops the run instead.
const RUN_FINDING_CODES: Record<Exclude<InspectionFindingCode, 'architecture-mismatch' | 'setuid-files'>, FindingCode> = {
  'no-command': 'PROGRAM_NOT_RUNNABLE',
  'program-not-found': 'PROGRAM_NOT_RUNNABLE',
  'program-not-runnable': 'PROGRAM_NOT_RUNNABLE',
  'symlink-loop': 'PROGRAM_NOT_RUNNABLE',
  'too-many-interpreters': 'PROGRAM_NOT_RUNNABLE',
  'program-unreadable': 'INSPECTION_INCOMPLETE',
  'elf-malformed': 'INSPECTION_INCOMPLETE',
  'elf-read-limited': 'INSPECTION_INCOMPLETE',
  'cpu-arch-unknown': 'INSPECTION_INCOMPLETE',
  'cpu-too-new-for-armv6': 'CPU_NEWER_THAN_PLATFORM',
  'cpu-too-new-for-armv7': 'CPU_NEWER_THAN_PLATFORM',
  'loader-missing': 'LOADER_MISSING',
  'loader-unusable': 'LOADER_MISSING',
};

export interface RunChecks {
  /** Set when the image's program cannot run under the emulator its config selects. */
  blocking?: ArmRunnerError;
  findings: Finding[];
}

/**
 * Turns what the inspection found in an image's files into findings for a run
 * under the given verdict. A program built for another CPU than the config
 * claims stops the run before anything starts, with both named.
 */
export function runChecksFor(imageReference: string, inspection: ImageInspection, verdict: PlatformVerdict): RunChecks {
  const findings: Finding[] = [];
  let blocking: ArmRunnerError | undefined;

  for (const finding of inspection.findings) {
    switch (finding.code) {
      case 'architecture-mismatch':
        blocking ??= new ArmRunnerError(
          'WRONG_EMULATOR',
          `${imageReference} cannot run as ${verdict.platform}, which selects qemu-${emulatorFor(verdict.platform)}: ${finding.message}`,
          finding.paths?.join('\n'),
        );
        break;
      case 'setuid-files':
        // Native programs and handlers with C run setuid programs with the file's owner.
        if (verdict.code !== 'native' && !(verdict.flags ?? []).includes('C')) {
          findings.push({
            code: 'SETUID_WITHOUT_C_FLAG',
            message: `${finding.message} The handler ${verdict.handler ?? 'for this platform'} has no C flag.`,
            fix: `Register the handler with C and F: "npx arm-runner handlers install ${verdict.platform === 'linux/arm64' ? 'arm64' : 'arm'} --flags CF".`,
          });
        }
        break;
      default:
        findings.push({ code: RUN_FINDING_CODES[finding.code], message: finding.message });
    }
  }
  return blocking === undefined ? { findings } : { blocking, findings };
}
