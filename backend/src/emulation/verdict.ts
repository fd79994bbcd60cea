import type { ArmPlatform, BinfmtHandler, Finding, PlatformVerdict, ProbeResult, VerdictCode, VerdictTest } from '@arm-runner/contract';
import { emulatorFor, isNativeOn } from './platform.ts';

export interface BinfmtState {
  enabled: boolean;
  handlers: BinfmtHandler[];
}

const ELF_DESCRIPTION: Record<ArmPlatform, string> = {
  'linux/arm/v6': '32-bit ARM ELF',
  'linux/arm/v7': '32-bit ARM ELF',
  'linux/arm64': '64-bit ARM (AArch64) ELF',
};

/** Tells how to register the handler a platform needs. */
export function registerHandlerFix(platform: ArmPlatform): string {
  const arch = emulatorFor(platform);
  return (
    `Register a qemu-${arch} handler on the engine's host: "npx arm-runner handlers install ${arch === 'aarch64' ? 'arm64' : 'arm'}" ` +
    'registers it from the bundled static QEMU with the F flag. On Debian or Ubuntu, installing binfmt-support ' +
    'next to qemu-user-static registers handlers at every boot. Docker Desktop registers its own at start, so restart it. ' +
    'Handlers are kernel state, so a reboot or a VM restart removes them.'
  );
}

/** Returns the enabled handlers whose magic and mask match the platform, in listing order. */
export function matchingHandlers(platform: ArmPlatform, state: BinfmtState): BinfmtHandler[] {
  if (!state.enabled) {
    return [];
  }
  return state.handlers.filter((handler) => handler.enabled && handler.matches.includes(platform));
}

/**
 * Decides how a platform runs on this engine from the binfmt_misc table.
 * `bundledInterpreterPath` is where the augmented image puts QEMU for the platform.
 */
export function verdictFor(
  platform: ArmPlatform,
  engineArchitecture: string,
  state: BinfmtState,
  bundledInterpreterPath: string,
): PlatformVerdict {
  if (isNativeOn(platform, engineArchitecture)) {
    return { platform, code: 'native', message: `${platform} runs natively on this ${engineArchitecture} engine.`, warnings: [] };
  }

  const candidates = matchingHandlers(platform, state);
  const handler = candidates[0];
  if (handler === undefined) {
    const reason = state.enabled
      ? `no enabled binfmt_misc handler matches ${ELF_DESCRIPTION[platform]}`
      : 'binfmt_misc is disabled on the engine\'s host';
    return {
      platform,
      code: 'cannot-run',
      message:
        `${platform} cannot run: ${reason}, so the kernel rejects its programs with "exec format error". ` +
        'Adding QEMU to the image does not help without a handler.',
      fix: registerHandlerFix(platform),
      warnings: [],
    };
  }

  const warnings: Finding[] = [];
  if (candidates.length > 1) {
    warnings.push({
      code: 'SEVERAL_HANDLERS',
      message:
        `Several handlers match ${ELF_DESCRIPTION[platform]} (${candidates.map((entry) => entry.name).join(', ')}). ` +
        `The kernel uses the one registered last, which the table does not show, so ${handler.name} is assumed.`,
      fix: 'Remove the handlers you do not want, so that one remains.',
    });
  }

  const common = { platform, handler: handler.name, interpreter: handler.interpreter, flags: handler.flags };
  if (handler.flags.includes('F')) {
    return {
      ...common,
      code: 'host-handler',
      message:
        `${platform} is emulated by the host handler ${handler.name} with the F flag, so plain and augmented images ` +
        'both run. The QEMU copy inside an augmented image is not used.',
      warnings,
    };
  }

  if (handler.interpreter !== bundledInterpreterPath) {
    warnings.push({
      code: 'INTERPRETER_PATH_MISMATCH',
      message:
        `The handler ${handler.name} looks for its interpreter at ${handler.interpreter} inside the container, ` +
        `where the bundle's own path is ${bundledInterpreterPath}. ` +
        `The augmented image therefore gets qemu-${emulatorFor(platform)}-static at both paths.`,
      fix: 'Register the handler with the F flag to stop depending on a path inside the image.',
    });
  }
  return {
    ...common,
    code: 'needs-qemu-in-image',
    message:
      `${platform} needs QEMU inside the image: the handler ${handler.name} has no F flag, so the kernel looks for ` +
      `${handler.interpreter} in the container's own filesystem. The plain image fails and the augmented image runs.`,
    warnings,
  };
}

/** Findings about the handler table as a whole. */
export function tableFindings(state: BinfmtState): Finding[] {
  const findings: Finding[] = [];
  if (!state.enabled) {
    findings.push({
      code: 'BINFMT_DISABLED',
      message: 'binfmt_misc is switched off on the engine\'s host, so no emulated program can run.',
      fix: 'Switch it on as root on the engine\'s host: "echo 1 > /proc/sys/fs/binfmt_misc/status".',
    });
  }
  for (const handler of state.handlers) {
    if (handler.nativeFormats.length === 0 || !handler.enabled) {
      continue;
    }
    findings.push({
      code: 'NATIVE_FORMAT_HANDLER',
      message:
        `The handler ${handler.name} matches ${handler.nativeFormats.join(' and ')} programs, which the engine's CPU runs natively. ` +
        `The kernel sends those programs through ${handler.interpreter} for no reason, where they run slower or fail in odd ways.`,
      fix: `Remove it as root on the engine's host: "echo -1 > /proc/sys/fs/binfmt_misc/${handler.name}". ARM Runner never registers such a handler.`,
    });
  }
  return findings;
}

function describeProbe(result: ProbeResult): string {
  switch (result.outcome) {
    case 'ran':
      return `ran and printed ${result.machine ?? 'no machine name'}`;
    case 'exec-format-error':
      return 'failed with "exec format error"';
    case 'interpreter-missing':
      return 'failed because the interpreter was not found in the container';
    case 'wrong-emulator':
      return 'was rejected by an emulator for another CPU';
    case 'emulator-crash':
      return 'crashed inside QEMU';
    case 'failed':
      return `failed (exit code ${result.exitCode ?? 'unknown'})`;
  }
}

/** Returns the verdict code that a test shows, for a platform that is not native. */
export function testedCode(test: VerdictTest, tableCode: VerdictCode): VerdictCode {
  if (test.plain.outcome === 'ran') {
    return tableCode === 'native' ? 'native' : 'host-handler';
  }
  if (test.augmented.outcome === 'ran') {
    return 'needs-qemu-in-image';
  }
  return 'cannot-run';
}

/**
 * Combines a verdict from the handler table with what the test program
 * showed. The test wins, because it is what the engine did. A disagreement
 * becomes a finding, since it means the table was misread or changed.
 */
export function applyVerdictTest(verdict: PlatformVerdict, test: VerdictTest): PlatformVerdict {
  const code = testedCode(test, verdict.code);
  const tested = { ...verdict, test };
  if (code === verdict.code) {
    return tested;
  }

  const evidence = `As a plain image the test program ${describeProbe(test.plain)}. With QEMU added it ${describeProbe(test.augmented)}.`;
  const finding: Finding = {
    code: 'TABLE_DISAGREES_WITH_TEST',
    message: `The binfmt_misc table suggests "${verdict.code}" for ${verdict.platform}, but a test run shows "${code}". ${evidence}`,
  };
  switch (code) {
    case 'cannot-run':
      return {
        ...tested,
        code,
        message: `${verdict.platform} cannot run on this engine. ${evidence}`,
        fix: registerHandlerFix(verdict.platform),
        warnings: [...verdict.warnings, finding],
      };
    case 'needs-qemu-in-image':
      return {
        ...tested,
        code,
        message: `${verdict.platform} needs QEMU inside the image. ${evidence}`,
        warnings: [...verdict.warnings, finding],
      };
    default:
      return {
        ...tested,
        code,
        message: `${verdict.platform} runs plain and augmented images. ${evidence}`,
        warnings: [...verdict.warnings, finding],
      };
  }
}
