import type { ElfDetails, ImageConfigPlatform, InspectionFinding } from '@arm-runner/contract';
import { EM_386, EM_AARCH64, EM_ARM, EM_RISCV, EM_S390, EM_X86_64 } from './elf-names.ts';

const EM_PPC64 = 21;

/** The ELF programs an image config's architecture promises, and the QEMU user-mode emulator that runs them. */
interface ExpectedElf {
  machine: number;
  elfClass: 32 | 64;
  endianness: ElfDetails['endianness'];
  emulator: string;
}

/** Keyed by the architecture field of an OCI image config. */
const EXPECTED_ELF: Record<string, ExpectedElf> = {
  arm: { machine: EM_ARM, elfClass: 32, endianness: 'little', emulator: 'qemu-arm' },
  arm64: { machine: EM_AARCH64, elfClass: 64, endianness: 'little', emulator: 'qemu-aarch64' },
  amd64: { machine: EM_X86_64, elfClass: 64, endianness: 'little', emulator: 'qemu-x86_64' },
  '386': { machine: EM_386, elfClass: 32, endianness: 'little', emulator: 'qemu-i386' },
  riscv64: { machine: EM_RISCV, elfClass: 64, endianness: 'little', emulator: 'qemu-riscv64' },
  s390x: { machine: EM_S390, elfClass: 64, endianness: 'big', emulator: 'qemu-s390x' },
  ppc64le: { machine: EM_PPC64, elfClass: 64, endianness: 'little', emulator: 'qemu-ppc64le' },
};

/**
 * Tag_CPU_arch values whose code an ARM1176 (ARMv6KZ, the CPU of the
 * Raspberry Pi Zero and Pi 1) executes: Pre-v4 to v6KZ, and v6K, which
 * ARMv6KZ includes. v6T2 adds Thumb-2, which the ARM1176 lacks.
 */
const ARMV6_CPU_ARCHS = new Set([0, 1, 2, 3, 4, 5, 6, 7, 9]);

/** Tag_CPU_arch values of the ARMv8 and later A and R profiles, whose code an ARMv7 CPU cannot execute. */
const ARMV8_CPU_ARCHS = new Set([14, 15, 18, 19, 20, 22]);
const LAST_KNOWN_CPU_ARCH = 22;

/** Tag_FP_arch values up to VFPv2, the floating-point unit of the ARM1176. */
const MAX_ARMV6_FP_ARCH = 2;

export function describePlatform(platform: ImageConfigPlatform): string {
  return [platform.os, platform.architecture, platform.variant].filter((part) => part !== null && part !== '').join('/');
}

/** Describes an ELF program's class, machine and, for ARM, its EABI and float ABI, for example "a 32-bit ARM program (EABI5, hard float)". */
export function describeElf(elf: ElfDetails): string {
  const parts: string[] = [];
  if (elf.arm !== null && elf.arm.eabiVersion > 0) {
    parts.push(`EABI${elf.arm.eabiVersion}`);
  }
  if (elf.arm !== null && elf.arm.floatAbi !== 'unspecified') {
    parts.push(`${elf.arm.floatAbi} float`);
  }
  if (elf.endianness === 'big') {
    parts.push('big-endian');
  }
  const suffix = parts.length > 0 ? ` (${parts.join(', ')})` : '';
  return `a ${elf.elfClass}-bit ${elf.machine.name} program${suffix}`;
}

/** Returns the QEMU user-mode emulator for an ELF program's machine, class and byte order, or null when there is none. */
export function emulatorForElf(elf: ElfDetails): string | null {
  const little = elf.endianness === 'little';
  switch (elf.machine.value) {
    case EM_ARM:
      return little ? 'qemu-arm' : 'qemu-armeb';
    case EM_AARCH64:
      return little ? 'qemu-aarch64' : 'qemu-aarch64_be';
    case EM_X86_64:
      return 'qemu-x86_64';
    case EM_386:
      return 'qemu-i386';
    case EM_RISCV:
      return elf.elfClass === 64 ? 'qemu-riscv64' : 'qemu-riscv32';
    case EM_S390:
      return 'qemu-s390x';
    case EM_PPC64:
      return little ? 'qemu-ppc64le' : 'qemu-ppc64';
    default:
      return null;
  }
}

/**
 * Compares the program's ELF header with the platform the image config
 * claims, and for 32-bit ARM its build attributes with the CPU the variant
 * stands for. Returns no finding for an architecture it has no table for.
 */
export function checkPlatform(platform: ImageConfigPlatform, elfPath: string, elf: ElfDetails): InspectionFinding[] {
  const expected = EXPECTED_ELF[platform.architecture];
  if (expected === undefined) {
    return [];
  }
  if (elf.machine.value !== expected.machine || elf.elfClass !== expected.elfClass || elf.endianness !== expected.endianness) {
    return [architectureMismatch(platform, expected, elfPath, elf)];
  }
  if (platform.architecture !== 'arm') {
    return [];
  }
  // Docker treats "arm" without a variant as arm/v7.
  return platform.variant === 'v6' ? checkArmV6(platform, elfPath, elf) : checkArmV7(platform, elfPath, elf);
}

function architectureMismatch(platform: ImageConfigPlatform, expected: ExpectedElf, elfPath: string, elf: ElfDetails): InspectionFinding {
  const platformName = describePlatform(platform);
  const needed = emulatorForElf(elf);
  const neededText = needed === null ? 'an emulator ARM Runner does not know' : needed;
  return {
    code: 'architecture-mismatch',
    severity: 'error',
    message:
      `The image config says ${platformName}, but the program it runs, ${elfPath}, is ${describeElf(elf)}. ` +
      `${platformName} images are emulated with ${expected.emulator}, and this program needs ${neededText}, ` +
      `so it fails with "exec format error" or QEMU's "Invalid ELF image for this architecture". ` +
      `Rebuild the image for ${platformName}, or correct the architecture in its config if the program is the one you want.`,
    paths: [elfPath],
  };
}

function checkArmV6(platform: ImageConfigPlatform, elfPath: string, elf: ElfDetails): InspectionFinding[] {
  const attributes = elf.armAttributes;
  if (attributes === null || attributes.cpuArch === null) {
    return [
      {
        code: 'cpu-arch-unknown',
        severity: 'info',
        message:
          `${elfPath} has no Tag_CPU_arch build attribute, so whether it runs on an ARMv6 CPU is unknown. ` +
          'Run it with QEMU_CPU=arm1176 to find out: code for a newer CPU stops with an illegal instruction.',
        paths: [elfPath],
      },
    ];
  }

  const reasons: string[] = [];
  if (!ARMV6_CPU_ARCHS.has(attributes.cpuArch.value)) {
    reasons.push(`Tag_CPU_arch is ${attributes.cpuArch.name}`);
  }
  if (attributes.fpArch !== null && attributes.fpArch.value > MAX_ARMV6_FP_ARCH) {
    reasons.push(`Tag_FP_arch is ${attributes.fpArch.name}`);
  }
  if (attributes.advancedSimdArch !== null && attributes.advancedSimdArch.value > 0) {
    reasons.push(`Tag_Advanced_SIMD_arch is ${attributes.advancedSimdArch.name}`);
  }
  if (reasons.length === 0) {
    return [];
  }
  return [
    {
      code: 'cpu-too-new-for-armv6',
      severity: 'error',
      message:
        `The image config says ${describePlatform(platform)}, but ${elfPath} is built for a newer CPU: ${reasons.join(', ')}. ` +
        'ARMv6 CPUs such as the ARM1176 of a Raspberry Pi Zero or Pi 1 support ARMv6KZ with VFPv2 and no NEON, ' +
        'so the program fails with an illegal instruction (SIGILL) on that hardware and under QEMU_CPU=arm1176. ' +
        "QEMU's default CPU hides this, because it emulates a newer ARM CPU. " +
        "Rebuild the program for ARMv6 (for example from Debian's armel packages), or label the image linux/arm/v7.",
      paths: [elfPath],
    },
  ];
}

function checkArmV7(platform: ImageConfigPlatform, elfPath: string, elf: ElfDetails): InspectionFinding[] {
  const cpuArch = elf.armAttributes?.cpuArch ?? null;
  if (cpuArch === null || (!ARMV8_CPU_ARCHS.has(cpuArch.value) && cpuArch.value <= LAST_KNOWN_CPU_ARCH)) {
    return [];
  }
  return [
    {
      code: 'cpu-too-new-for-armv7',
      severity: 'warning',
      message:
        `The image config says ${describePlatform(platform)}, but ${elfPath} is built for ARM ${cpuArch.name} (Tag_CPU_arch). ` +
        "It runs under QEMU's default CPU, but fails with an illegal instruction (SIGILL) on ARMv7 CPUs such as the Cortex-A7 and Cortex-A9. " +
        'Rebuild it for ARMv7 if it must run on such hardware.',
      paths: [elfPath],
    },
  ];
}
