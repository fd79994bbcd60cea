import type { ElfDetails, ImageConfigPlatform } from '@arm-runner/contract';
import { describe, expect, it } from 'vitest';
import { readElfDetails } from './elf-details.ts';
import { checkPlatform, describeElf, emulatorForElf } from './platform-checks.ts';
import { busybox, type BusyboxArch } from './test-image.ts';

function elfOf(arch: BusyboxArch): ElfDetails {
  const elf = readElfDetails(busybox(arch));
  if (elf === null) {
    throw new Error(`The ${arch} busybox did not parse as ELF`);
  }
  return elf;
}

const ARM_V6: ImageConfigPlatform = { os: 'linux', architecture: 'arm', variant: 'v6' };
const ARM_V7: ImageConfigPlatform = { os: 'linux', architecture: 'arm', variant: 'v7' };
const ARM64: ImageConfigPlatform = { os: 'linux', architecture: 'arm64', variant: null };

describe('describeElf and emulatorForElf', () => {
  it('describes the Debian busybox binaries', () => {
    expect(describeElf(elfOf('armhf'))).toBe('a 32-bit ARM program (EABI5, hard float)');
    expect(describeElf(elfOf('armel'))).toBe('a 32-bit ARM program (EABI5, soft float)');
    expect(describeElf(elfOf('arm64'))).toBe('a 64-bit AArch64 program');
    expect(describeElf(elfOf('amd64'))).toBe('a 64-bit x86-64 program');
  });

  it('names the emulator for each machine', () => {
    expect(emulatorForElf(elfOf('armhf'))).toBe('qemu-arm');
    expect(emulatorForElf(elfOf('arm64'))).toBe('qemu-aarch64');
    expect(emulatorForElf(elfOf('amd64'))).toBe('qemu-x86_64');
    expect(emulatorForElf({ ...elfOf('armhf'), endianness: 'big' })).toBe('qemu-armeb');
    expect(emulatorForElf({ ...elfOf('arm64'), machine: { value: 8, name: 'MIPS' } })).toBeNull();
  });
});

describe('checkPlatform architecture', () => {
  it('accepts programs that match their config', () => {
    expect(checkPlatform(ARM_V7, '/bin/busybox', elfOf('armhf'))).toEqual([]);
    expect(checkPlatform(ARM_V6, '/bin/busybox', elfOf('armel'))).toEqual([]);
    expect(checkPlatform(ARM64, '/bin/busybox', elfOf('arm64'))).toEqual([]);
    expect(checkPlatform({ os: 'linux', architecture: 'amd64', variant: null }, '/bin/busybox', elfOf('amd64'))).toEqual([]);
  });

  it('names both sides when an arm64 image runs a 32-bit ARM program', () => {
    const findings = checkPlatform(ARM64, '/bin/busybox', elfOf('armhf'));
    expect(findings).toHaveLength(1);
    expect(findings[0]?.code).toBe('architecture-mismatch');
    expect(findings[0]?.severity).toBe('error');
    expect(findings[0]?.paths).toEqual(['/bin/busybox']);
    expect(findings[0]?.message).toContain('The image config says linux/arm64');
    expect(findings[0]?.message).toContain('a 32-bit ARM program (EABI5, hard float)');
    expect(findings[0]?.message).toContain('emulated with qemu-aarch64, and this program needs qemu-arm');
  });

  it('flags an arm/v7 image that runs an AArch64 program', () => {
    const findings = checkPlatform(ARM_V7, '/bin/busybox', elfOf('arm64'));
    expect(findings.map((finding) => finding.code)).toEqual(['architecture-mismatch']);
    expect(findings[0]?.message).toContain('linux/arm/v7 images are emulated with qemu-arm, and this program needs qemu-aarch64');
  });

  it('flags an arm/v6 image that runs an x86-64 program', () => {
    const findings = checkPlatform(ARM_V6, '/bin/busybox', elfOf('amd64'));
    expect(findings.map((finding) => finding.code)).toEqual(['architecture-mismatch']);
    expect(findings[0]?.message).toContain('a 64-bit x86-64 program');
    expect(findings[0]?.message).toContain('needs qemu-x86_64');
  });

  it('flags a big-endian ARM program in an arm image', () => {
    const findings = checkPlatform(ARM_V7, '/app', { ...elfOf('armhf'), endianness: 'big' });
    expect(findings[0]?.code).toBe('architecture-mismatch');
    expect(findings[0]?.message).toContain('needs qemu-armeb');
  });

  it('skips architectures it has no table for', () => {
    expect(checkPlatform({ os: 'linux', architecture: 'mips64le', variant: null }, '/app', elfOf('armhf'))).toEqual([]);
  });
});

describe('checkPlatform ARM CPU version', () => {
  it('flags an ARMv7 program in an arm/v6 image', () => {
    const findings = checkPlatform(ARM_V6, '/bin/busybox', elfOf('armhf'));
    expect(findings).toHaveLength(1);
    expect(findings[0]?.code).toBe('cpu-too-new-for-armv6');
    expect(findings[0]?.severity).toBe('error');
    expect(findings[0]?.message).toContain('Tag_CPU_arch is v7, Tag_FP_arch is VFPv3, Tag_Advanced_SIMD_arch is NEONv1');
    expect(findings[0]?.message).toContain('QEMU_CPU=arm1176');
    expect(findings[0]?.message).toContain('illegal instruction');
  });

  it('accepts v6KZ and v6K but not v6T2 in an arm/v6 image', () => {
    const base = elfOf('armel');
    const withArch = (value: number, name: string): ElfDetails => ({
      ...base,
      armAttributes: { cpuName: null, cpuArch: { value, name }, cpuArchProfile: null, fpArch: { value: 2, name: 'VFPv2' }, advancedSimdArch: null },
    });
    expect(checkPlatform(ARM_V6, '/app', withArch(7, 'v6KZ'))).toEqual([]);
    expect(checkPlatform(ARM_V6, '/app', withArch(9, 'v6K'))).toEqual([]);
    expect(checkPlatform(ARM_V6, '/app', withArch(8, 'v6T2')).map((finding) => finding.code)).toEqual(['cpu-too-new-for-armv6']);
    expect(checkPlatform(ARM_V6, '/app', withArch(11, 'v6-M')).map((finding) => finding.code)).toEqual(['cpu-too-new-for-armv6']);
  });

  it('flags VFPv3 alone in an arm/v6 image', () => {
    const base = elfOf('armel');
    const elf: ElfDetails = {
      ...base,
      armAttributes: { cpuName: '6', cpuArch: { value: 6, name: 'v6' }, cpuArchProfile: null, fpArch: { value: 3, name: 'VFPv3' }, advancedSimdArch: null },
    };
    const findings = checkPlatform(ARM_V6, '/app', elf);
    expect(findings[0]?.message).toContain('Tag_FP_arch is VFPv3');
    expect(findings[0]?.message).not.toContain('Tag_CPU_arch is');
  });

  it('reports an unknown CPU version in an arm/v6 image', () => {
    const findings = checkPlatform(ARM_V6, '/app', { ...elfOf('armel'), armAttributes: null });
    expect(findings.map((finding) => [finding.code, finding.severity])).toEqual([['cpu-arch-unknown', 'info']]);
  });

  it('warns about an ARMv8 program in an arm/v7 image', () => {
    const base = elfOf('armhf');
    const elf: ElfDetails = { ...base, armAttributes: { ...(base.armAttributes ?? { cpuName: null, cpuArchProfile: null, fpArch: null, advancedSimdArch: null }), cpuArch: { value: 14, name: 'v8-A' } } };
    const findings = checkPlatform(ARM_V7, '/app', elf);
    expect(findings.map((finding) => [finding.code, finding.severity])).toEqual([['cpu-too-new-for-armv7', 'warning']]);
    expect(findings[0]?.message).toContain('v8-A');
  });

  it('treats arm without a variant as arm/v7', () => {
    const platform = { os: 'linux', architecture: 'arm', variant: null };
    expect(checkPlatform(platform, '/bin/busybox', elfOf('armhf'))).toEqual([]);
  });
});
