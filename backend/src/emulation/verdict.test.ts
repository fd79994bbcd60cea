import type { BinfmtHandler } from '@arm-runner/contract';
import { describe, expect, it } from 'vitest';
import { verdictFor, type BinfmtState } from './verdict.ts';

function handler(overrides: Partial<BinfmtHandler>): BinfmtHandler {
  return {
    name: 'qemu-arm',
    enabled: true,
    interpreter: '/usr/bin/qemu-arm-static',
    flags: [],
    offset: 0,
    magic: '7f454c4601010100000000000000000002002800',
    mask: 'ffffffffffffff00fffffffffffffffffeffffff',
    matches: ['linux/arm/v6', 'linux/arm/v7'],
    ...overrides,
  };
}

const ARM_PATH = '/usr/bin/qemu-arm-static';

describe('verdictFor', () => {
  it('says cannot-run with a fix when no handler matches', () => {
    const verdict = verdictFor('linux/arm/v7', 'amd64', { enabled: true, handlers: [] }, ARM_PATH);
    expect(verdict.code).toBe('cannot-run');
    expect(verdict.message).toContain('32-bit ARM ELF');
    expect(verdict.fix).toBeDefined();
  });

  it('says cannot-run when the only handler is disabled', () => {
    const state: BinfmtState = { enabled: true, handlers: [handler({ enabled: false })] };
    expect(verdictFor('linux/arm/v7', 'amd64', state, ARM_PATH).code).toBe('cannot-run');
  });

  it('says cannot-run when binfmt_misc is off', () => {
    const state: BinfmtState = { enabled: false, handlers: [handler({ flags: ['F'] })] };
    const verdict = verdictFor('linux/arm/v7', 'amd64', state, ARM_PATH);
    expect(verdict.code).toBe('cannot-run');
    expect(verdict.message).toContain('disabled');
  });

  it('says needs-qemu-in-image for a handler without F', () => {
    const verdict = verdictFor('linux/arm/v7', 'amd64', { enabled: true, handlers: [handler({})] }, ARM_PATH);
    expect(verdict.code).toBe('needs-qemu-in-image');
    expect(verdict.handler).toBe('qemu-arm');
    expect(verdict.warnings).toEqual([]);
  });

  it('says host-handler for a handler with F', () => {
    const verdict = verdictFor('linux/arm/v7', 'amd64', { enabled: true, handlers: [handler({ flags: ['O', 'C', 'F'] })] }, ARM_PATH);
    expect(verdict.code).toBe('host-handler');
    expect(verdict.flags).toEqual(['O', 'C', 'F']);
  });

  it('warns when the interpreter path differs from the bundle', () => {
    const state: BinfmtState = { enabled: true, handlers: [handler({ interpreter: '/usr/bin/qemu-arm' })] };
    const verdict = verdictFor('linux/arm/v7', 'amd64', state, ARM_PATH);
    expect(verdict.code).toBe('needs-qemu-in-image');
    expect(verdict.warnings[0]).toContain('/usr/bin/qemu-arm ');
  });

  it('warns when several handlers match', () => {
    const state: BinfmtState = { enabled: true, handlers: [handler({}), handler({ name: 'arm-other' })] };
    expect(verdictFor('linux/arm/v7', 'amd64', state, ARM_PATH).warnings[0]).toContain('Several handlers');
  });

  it('does not use an arm handler for arm64', () => {
    expect(verdictFor('linux/arm64', 'amd64', { enabled: true, handlers: [handler({ flags: ['F'] })] }, '/usr/bin/qemu-aarch64-static').code).toBe(
      'cannot-run',
    );
  });

  it('says native for arm64 on an arm64 engine', () => {
    expect(verdictFor('linux/arm64', 'arm64', { enabled: true, handlers: [] }, '/usr/bin/qemu-aarch64-static').code).toBe('native');
  });

  it('still emulates arm/v7 on an arm64 engine', () => {
    expect(verdictFor('linux/arm/v7', 'arm64', { enabled: true, handlers: [] }, ARM_PATH).code).toBe('cannot-run');
  });
});
