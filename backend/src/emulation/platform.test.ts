import { describe, expect, it } from 'vitest';
import { ArmRunnerError } from '../errors.ts';
import { classifyImagePlatform, dockerArchitecture, emulatorFor, expectedMachine, parsePlatform } from './platform.ts';

describe('parsePlatform', () => {
  it.each([
    ['linux/arm/v7', 'linux/arm/v7'],
    ['arm/v7', 'linux/arm/v7'],
    ['LINUX/ARM/V6', 'linux/arm/v6'],
    ['linux/arm64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['arm64', 'linux/arm64'],
    ['linux/arm', 'linux/arm/v7'],
    ['armv7', 'linux/arm/v7'],
    ['armv6l', 'linux/arm/v6'],
    ['aarch64', 'linux/arm64'],
  ])('accepts %s', (input, expected) => {
    expect(parsePlatform(input)).toBe(expected);
  });

  it.each(['linux/amd64', 'linux/riscv64', 'linux/arm/v5', '', 'linux/arm/v7;rm'])('rejects %j', (input) => {
    expect(() => parsePlatform(input)).toThrowError(ArmRunnerError);
  });

  it.each(['constructor', '__proto__'])('rejects the inherited name %s', (input) => {
    expect(() => parsePlatform(input)).toThrowError(ArmRunnerError);
  });
});

describe('platform to emulator', () => {
  it('maps 32-bit ARM to qemu-arm', () => {
    expect(emulatorFor('linux/arm/v6')).toBe('arm');
    expect(emulatorFor('linux/arm/v7')).toBe('arm');
  });

  it('maps arm64 to qemu-aarch64', () => {
    expect(emulatorFor('linux/arm64')).toBe('aarch64');
  });

  it('expects the matching uname machine', () => {
    expect(expectedMachine('linux/arm/v6')).toBe('armv6l');
    expect(expectedMachine('linux/arm/v7')).toBe('armv7l');
    expect(expectedMachine('linux/arm64')).toBe('aarch64');
  });
});

describe('dockerArchitecture', () => {
  it('maps kernel machine names to Docker names', () => {
    expect(dockerArchitecture('x86_64')).toBe('amd64');
    expect(dockerArchitecture('aarch64')).toBe('arm64');
    expect(dockerArchitecture('s390x')).toBe('s390x');
  });
});

describe('classifyImagePlatform', () => {
  it('classifies arm v7 and v6 by variant', () => {
    expect(classifyImagePlatform('linux', 'arm', 'v7', 'amd64')).toEqual({ kind: 'arm', platform: 'linux/arm/v7', warnings: [] });
    expect(classifyImagePlatform('linux', 'arm', 'v6', 'amd64')).toEqual({ kind: 'arm', platform: 'linux/arm/v6', warnings: [] });
  });

  it('treats arm without variant as v7 with a warning', () => {
    const result = classifyImagePlatform('linux', 'arm', undefined, 'amd64');
    if (result.kind !== 'arm') {
      throw new Error(`expected an ARM platform, got ${result.kind}`);
    }
    expect(result.platform).toBe('linux/arm/v7');
    expect(result.warnings).toHaveLength(1);
  });

  it('classifies arm64 with or without v8', () => {
    expect(classifyImagePlatform('linux', 'arm64', '', 'amd64')).toMatchObject({ kind: 'arm', platform: 'linux/arm64' });
    expect(classifyImagePlatform('linux', 'arm64', 'v8', 'amd64')).toMatchObject({ kind: 'arm', platform: 'linux/arm64' });
  });

  it('reports the engine architecture as native', () => {
    expect(classifyImagePlatform('linux', 'amd64', undefined, 'amd64')).toMatchObject({ kind: 'native' });
    expect(classifyImagePlatform('linux', 'arm64', undefined, 'arm64')).toMatchObject({ kind: 'native' });
  });

  it('rejects other architectures and operating systems', () => {
    expect(classifyImagePlatform('linux', 'riscv64', undefined, 'amd64')).toMatchObject({ kind: 'unsupported' });
    expect(classifyImagePlatform('linux', 's390x', undefined, 'amd64')).toMatchObject({ kind: 'unsupported' });
    expect(classifyImagePlatform('windows', 'amd64', undefined, 'amd64')).toMatchObject({ kind: 'unsupported' });
    expect(classifyImagePlatform('linux', 'arm', 'v5', 'amd64')).toMatchObject({ kind: 'unsupported' });
  });
});
