import { ARM_PLATFORMS, type ArmPlatform, type Finding, type QemuArch } from '@arm-runner/contract';
import { ArmRunnerError } from '../errors.ts';

const PLATFORM_ALIASES: Record<string, ArmPlatform> = {
  'linux/arm/v6': 'linux/arm/v6',
  'arm/v6': 'linux/arm/v6',
  'linux/arm/v7': 'linux/arm/v7',
  'arm/v7': 'linux/arm/v7',
  // Docker treats "arm" without a variant as v7.
  'linux/arm': 'linux/arm/v7',
  'arm': 'linux/arm/v7',
  'linux/arm64': 'linux/arm64',
  'linux/arm64/v8': 'linux/arm64',
  'arm64': 'linux/arm64',
  'arm64/v8': 'linux/arm64',
  'linux/aarch64': 'linux/arm64',
  'aarch64': 'linux/arm64',
  // Names that image tags and uname -m use, which users often type.
  'armv6': 'linux/arm/v6',
  'armv6l': 'linux/arm/v6',
  'armv7': 'linux/arm/v7',
  'armv7l': 'linux/arm/v7',
};

/** Parses a user's platform such as `linux/arm/v7` or `arm64` into a canonical ARM platform. */
export function parsePlatform(input: string): ArmPlatform {
  const normalized = input.trim().toLowerCase();
  // Own keys only, because "constructor" or "__proto__" would find members of Object.prototype.
  const platform = Object.hasOwn(PLATFORM_ALIASES, normalized) ? PLATFORM_ALIASES[normalized] : undefined;
  if (platform === undefined) {
    throw new ArmRunnerError(
      'INVALID_PLATFORM',
      `"${input}" is not an ARM platform ARM Runner can emulate. Use one of ${ARM_PLATFORMS.join(', ')} ` +
        '(short forms: arm/v6, armv6, arm/v7, armv7, arm, arm64, aarch64).',
    );
  }
  return platform;
}

/** Maps a kernel machine name (`uname -m`) to Docker's architecture name. */
export function dockerArchitecture(machine: string): string {
  switch (machine) {
    case 'x86_64':
      return 'amd64';
    case 'aarch64':
    case 'arm64':
      return 'arm64';
    case 'i386':
    case 'i686':
      return '386';
    default:
      return machine;
  }
}

export function emulatorFor(platform: ArmPlatform): QemuArch {
  return platform === 'linux/arm64' ? 'aarch64' : 'arm';
}

/** Returns what `uname -m` prints for a platform under QEMU's matching CPU model. */
export function expectedMachine(platform: ArmPlatform): string {
  switch (platform) {
    case 'linux/arm/v6':
      return 'armv6l';
    case 'linux/arm/v7':
      return 'armv7l';
    case 'linux/arm64':
      return 'aarch64';
  }
}

// QEMU's default ARM CPU reports armv7l, so v7-only code would run in an
// arm/v6 image and then fail on a real ARMv6 board. arm1176 is the ARMv6 CPU
// of the Raspberry Pi 1 and Zero.
const PLATFORM_ENVIRONMENT: Partial<Record<ArmPlatform, string[]>> = {
  'linux/arm/v6': ['QEMU_CPU=arm1176'],
};

/** Returns the environment variables that make QEMU emulate the platform's CPU. */
export function platformEnvironment(platform: ArmPlatform): string[] {
  return [...(PLATFORM_ENVIRONMENT[platform] ?? [])];
}

export function isNativeOn(platform: ArmPlatform, engineArchitecture: string): boolean {
  // 32-bit ARM is not treated as native on arm64 engines, because many arm64
  // CPUs (Apple M-series among them) have no AArch32 mode.
  return platform === 'linux/arm64' && engineArchitecture === 'arm64';
}

export type ImagePlatform =
  | { kind: 'arm'; platform: ArmPlatform; warnings: Finding[] }
  | { kind: 'native'; description: string }
  | { kind: 'unsupported'; description: string };

/** Classifies an image by the os, architecture and variant in its config. */
export function classifyImagePlatform(
  os: string,
  architecture: string,
  variant: string | undefined,
  engineArchitecture: string,
): ImagePlatform {
  const description = [os, architecture, variant].filter(Boolean).join('/');

  if (os !== 'linux') {
    return { kind: 'unsupported', description };
  }
  if (architecture === engineArchitecture && architecture !== 'arm') {
    return { kind: 'native', description };
  }

  if (architecture === 'arm64' && (variant === undefined || variant === '' || variant === 'v8')) {
    return { kind: 'arm', platform: 'linux/arm64', warnings: [] };
  }
  if (architecture === 'arm') {
    switch (variant) {
      case 'v6':
        return { kind: 'arm', platform: 'linux/arm/v6', warnings: [] };
      case 'v7':
        return { kind: 'arm', platform: 'linux/arm/v7', warnings: [] };
      case undefined:
      case '':
        return {
          kind: 'arm',
          platform: 'linux/arm/v7',
          warnings: [
            {
              code: 'PLATFORM_WITHOUT_VARIANT',
              message:
                'The image config says architecture "arm" with no variant, so it is treated as linux/arm/v7. ' +
                'Its programs may still need a newer CPU than a Raspberry Pi Zero (ARMv6) has.',
              fix: 'Run it with --platform linux/arm/v7, or rebuild the image with an explicit variant.',
            },
          ],
        };
      default:
        return { kind: 'unsupported', description };
    }
  }

  return { kind: 'unsupported', description };
}
