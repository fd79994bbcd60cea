import type { NamedValue } from '@arm-runner/contract';

// Names for ELF header values, from the System V gABI and the ARM ELF and
// build-attribute specifications. Values missing here read as "unknown (N)".

export const EM_386 = 3;
export const EM_S390 = 22;
export const EM_ARM = 40;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;
export const EM_RISCV = 243;

const MACHINE_NAMES: Record<number, string> = {
  [EM_386]: 'i386',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  [EM_S390]: 's390',
  [EM_ARM]: 'ARM',
  [EM_X86_64]: 'x86-64',
  [EM_AARCH64]: 'AArch64',
  [EM_RISCV]: 'RISC-V',
  258: 'LoongArch',
};

const TYPE_NAMES: Record<number, string> = {
  0: 'none',
  1: 'relocatable',
  2: 'executable',
  3: 'shared object',
  4: 'core',
};

const OS_ABI_NAMES: Record<number, string> = {
  0: 'System V',
  1: 'HP-UX',
  2: 'NetBSD',
  3: 'GNU/Linux',
  6: 'Solaris',
  9: 'FreeBSD',
  12: 'OpenBSD',
  64: 'ARM EABI',
  97: 'ARM',
  255: 'standalone',
};

// Tag_CPU_arch values as the ARM build-attributes addenda number them.
const CPU_ARCH_NAMES: readonly string[] = [
  'Pre-v4',
  'v4',
  'v4T',
  'v5T',
  'v5TE',
  'v5TEJ',
  'v6',
  'v6KZ',
  'v6T2',
  'v6K',
  'v7',
  'v6-M',
  'v6S-M',
  'v7E-M',
  'v8-A',
  'v8-R',
  'v8-M.baseline',
  'v8-M.mainline',
  'v8.1-A',
  'v8.2-A',
  'v8.3-A',
  'v8.1-M.mainline',
  'v9-A',
];

const FP_ARCH_NAMES: readonly string[] = [
  'none',
  'VFPv1',
  'VFPv2',
  'VFPv3',
  'VFPv3-D16',
  'VFPv4',
  'VFPv4-D16',
  'ARMv8 FP',
  'ARMv8 FP-D16',
];

const ADVANCED_SIMD_NAMES: readonly string[] = ['none', 'NEONv1', 'NEONv1 with FMA', 'ARMv8 NEON', 'ARMv8.1 NEON'];

const CPU_ARCH_PROFILE_NAMES: Record<number, string> = {
  0: 'none',
  0x41: 'Application',
  0x52: 'Real-time',
  0x4d: 'Microcontroller',
  0x53: 'Classic',
};

function named(value: number, name: string | undefined): NamedValue {
  return { value, name: name ?? `unknown (${value})` };
}

export function machineName(machine: number): NamedValue {
  return named(machine, MACHINE_NAMES[machine]);
}

export function elfTypeName(type: number): NamedValue {
  return named(type, TYPE_NAMES[type]);
}

export function osAbiName(osAbi: number): NamedValue {
  return named(osAbi, OS_ABI_NAMES[osAbi]);
}

export function cpuArchName(value: number): NamedValue {
  return named(value, CPU_ARCH_NAMES[value]);
}

export function fpArchName(value: number): NamedValue {
  return named(value, FP_ARCH_NAMES[value]);
}

export function advancedSimdArchName(value: number): NamedValue {
  return named(value, ADVANCED_SIMD_NAMES[value]);
}

export function cpuArchProfileName(value: number): string {
  return CPU_ARCH_PROFILE_NAMES[value] ?? `unknown (${value})`;
}
