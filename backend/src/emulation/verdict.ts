import type { ArmPlatform, BinfmtHandler, PlatformVerdict } from '@arm-runner/contract';
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

  const warnings: string[] = [];
  if (candidates.length > 1) {
    warnings.push(
      `Several handlers match ${ELF_DESCRIPTION[platform]} (${candidates.map((entry) => entry.name).join(', ')}). ` +
        `The kernel uses the one registered last, which the table does not show, so ${handler.name} is assumed.`,
    );
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
    warnings.push(
      `The handler ${handler.name} looks for its interpreter at ${handler.interpreter} inside the container, ` +
        `but the augmented image puts qemu-${emulatorFor(platform)}-static at ${bundledInterpreterPath}. ` +
        'Register the handler with the F flag, or with that interpreter path.',
    );
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
