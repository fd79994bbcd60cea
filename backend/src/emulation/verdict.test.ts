import type { BinfmtHandler, ProbeResult, VerdictTest } from '@arm-runner/contract';
import { describe, expect, it } from 'vitest';
import { applyVerdictTest, tableFindings, verdictFor, type BinfmtState } from './verdict.ts';

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
    nativeFormats: [],
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
    expect(verdict.warnings[0]?.code).toBe('INTERPRETER_PATH_MISMATCH');
    expect(verdict.warnings[0]?.message).toContain('/usr/bin/qemu-arm ');
  });

  it('warns when several handlers match', () => {
    const state: BinfmtState = { enabled: true, handlers: [handler({}), handler({ name: 'arm-other' })] };
    expect(verdictFor('linux/arm/v7', 'amd64', state, ARM_PATH).warnings[0]?.code).toBe('SEVERAL_HANDLERS');
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

describe('tableFindings', () => {
  it('flags an enabled handler for a native format', () => {
    const state: BinfmtState = { enabled: true, handlers: [handler({ name: 'qemu-i386', matches: [], nativeFormats: ['i386 ELF'] })] };
    const findings = tableFindings(state);
    expect(findings.map((finding) => finding.code)).toEqual(['NATIVE_FORMAT_HANDLER']);
    expect(findings[0]?.message).toContain('qemu-i386');
    expect(findings[0]?.fix).toContain('/proc/sys/fs/binfmt_misc/qemu-i386');
  });

  it('ignores a disabled native-format handler', () => {
    const state: BinfmtState = { enabled: true, handlers: [handler({ enabled: false, nativeFormats: ['i386 ELF'] })] };
    expect(tableFindings(state)).toEqual([]);
  });

  it('reports binfmt_misc switched off', () => {
    expect(tableFindings({ enabled: false, handlers: [] }).map((finding) => finding.code)).toEqual(['BINFMT_DISABLED']);
  });
});

describe('applyVerdictTest', () => {
  const ran: ProbeResult = { outcome: 'ran', machine: 'armv7l', exitCode: 0 };
  const missing: ProbeResult = { outcome: 'interpreter-missing', machine: null, exitCode: 127 };
  const formatError: ProbeResult = { outcome: 'exec-format-error', machine: null, exitCode: 1 };
  const test = (plain: ProbeResult, augmented: ProbeResult): VerdictTest => ({ plain, augmented, testedAt: '2026-01-01T00:00:00.000Z' });

  it('keeps an agreeing verdict and attaches the test', () => {
    const verdict = verdictFor('linux/arm/v7', 'amd64', { enabled: true, handlers: [handler({})] }, ARM_PATH);
    const tested = applyVerdictTest(verdict, test(missing, ran));
    expect(tested.code).toBe('needs-qemu-in-image');
    expect(tested.test?.augmented.machine).toBe('armv7l');
    expect(tested.warnings).toEqual([]);
  });

  it('lets the test win over the table', () => {
    const verdict = verdictFor('linux/arm/v7', 'amd64', { enabled: true, handlers: [handler({ flags: ['F'] })] }, ARM_PATH);
    const tested = applyVerdictTest(verdict, test(formatError, formatError));
    expect(tested.code).toBe('cannot-run');
    expect(tested.fix).toBeDefined();
    expect(tested.warnings.map((finding) => finding.code)).toEqual(['TABLE_DISAGREES_WITH_TEST']);
    expect(tested.message).toContain('exec format error');
  });

  it('says host-handler when the plain image runs', () => {
    const verdict = verdictFor('linux/arm/v7', 'amd64', { enabled: true, handlers: [] }, ARM_PATH);
    expect(applyVerdictTest(verdict, test(ran, ran)).code).toBe('host-handler');
  });

  it('keeps native when the plain image runs natively', () => {
    const verdict = verdictFor('linux/arm64', 'arm64', { enabled: true, handlers: [] }, '/usr/bin/qemu-aarch64-static');
    expect(applyVerdictTest(verdict, test(ran, ran)).code).toBe('native');
  });
});
