import { describe, expect, it } from 'vitest';
import { classifyEarlyExit as classify, qemuUnsupportedFindings } from './failure.ts';
import { interpreterFromCommand, isInitCommand } from './evidence.ts';

function classifyEarlyExit(imageReference: string, exitCode: number, output: string, qemuVersion: string | null = '7.2.22') {
  return classify({ imageReference, exitCode, output, qemuVersion });
}

describe('classifyEarlyExit', () => {
  it('recognises a missing handler', () => {
    expect(classifyEarlyExit('img', 1, 'exec /bin/busybox: exec format error\n').code).toBe('EXEC_FORMAT_ERROR');
    expect(classifyEarlyExit('img', 1, 'standard_init_linux.go:228: exec user process caused: exec format error').code).toBe(
      'EXEC_FORMAT_ERROR',
    );
  });

  it('recognises an interpreter missing in the container', () => {
    expect(classifyEarlyExit('img', 1, 'exec /bin/uname: no such file or directory').code).toBe('INTERPRETER_MISSING');
  });

  it('reads the init process\'s exec failure', () => {
    const error = classifyEarlyExit('img', 127, '[FATAL tini (7)] exec /bin/busybox failed: No such file or directory\n');
    expect(error.code).toBe('INTERPRETER_MISSING');
    expect(error.message).toContain('arm-runner status');
  });

  it('recognises a wrong emulator', () => {
    const error = classifyEarlyExit('img', 255, '/usr/bin/qemu-arm-static: Invalid ELF image for this architecture\n');
    expect(error.code).toBe('WRONG_EMULATOR');
    expect(error.message).toContain('QEMU 7.2.22');
  });

  it('recognises an emulator crash with its signal', () => {
    const error = classifyEarlyExit('img', 132, 'qemu: uncaught target signal 4 (Illegal instruction) - core dumped\n');
    expect(error.code).toBe('EMULATOR_CRASH');
    expect(error.message).toContain('signal 4 (Illegal instruction)');
    expect(error.message).toContain('QEMU 7.2.22');
    expect(error.message).toContain('instruction that the emulated CPU lacks');
  });

  it('reports a segfault in QEMU as a crash', () => {
    const error = classifyEarlyExit('img', 139, 'qemu: uncaught target signal 11 (Segmentation fault) - core dumped', null);
    expect(error.code).toBe('EMULATOR_CRASH');
    expect(error.message).toContain('signal 11');
    expect(error.message).not.toContain('null');
  });

  it('reports other exits with their code and last lines', () => {
    const output = Array.from({ length: 30 }, (_, index) => `line ${index}`).join('\n');
    const error = classifyEarlyExit('img', 3, output);
    expect(error.code).toBe('PROGRAM_EXITED');
    expect(error.message).toContain('code 3');
    expect(error.detail?.split('\n')).toHaveLength(20);
    expect(error.detail?.endsWith('line 29')).toBe(true);
  });
});

describe('qemuUnsupportedFindings', () => {
  it('collects distinct syscalls and ioctls', () => {
    const findings = qemuUnsupportedFindings('Unsupported syscall: 999\nUnsupported syscall: 999\nUnsupported syscall: 4000\nUnsupported ioctl: cmd=0x5401\n', 'arm');
    expect(findings.map((finding) => finding.code)).toEqual(['UNSUPPORTED_SYSCALL', 'UNSUPPORTED_IOCTL']);
    expect(findings[0]?.message).toContain('999, 4000');
    expect(findings[1]?.message).toContain('0x5401');
  });

  it('leaves out what C libraries probe at start', () => {
    expect(qemuUnsupportedFindings('Unsupported syscall: 398\nUnsupported syscall: 435\n', 'arm')).toEqual([]);
    expect(qemuUnsupportedFindings('Unsupported syscall: 293\n', 'aarch64')).toEqual([]);
    // 293 is another call on 32-bit ARM, so it is reported there.
    expect(qemuUnsupportedFindings('Unsupported syscall: 293\n', 'arm')).toHaveLength(1);
  });

  it('caps a long list', () => {
    const output = Array.from({ length: 15 }, (_, index) => `Unsupported syscall: ${index}`).join('\n');
    expect(qemuUnsupportedFindings(output, 'aarch64')[0]?.message).toContain('and 5 more');
  });

  it('finds nothing in clean output', () => {
    expect(qemuUnsupportedFindings('httpd started\n', 'arm')).toEqual([]);
  });
});

describe('isInitCommand', () => {
  it('recognises the engine init', () => {
    expect(isInitCommand('/sbin/docker-init -- /bin/busybox httpd -f')).toBe(true);
    expect(isInitCommand('/usr/bin/tini -- /entrypoint.sh')).toBe(true);
    expect(isInitCommand('/usr/bin/qemu-arm-static /bin/busybox httpd')).toBe(false);
  });
});

describe('interpreterFromCommand', () => {
  it('takes a QEMU first word', () => {
    expect(interpreterFromCommand('/usr/bin/qemu-arm-static /bin/busybox httpd -f')).toBe('/usr/bin/qemu-arm-static');
    expect(interpreterFromCommand('/usr/libexec/qemu-binfmt/aarch64-binfmt-P /bin/sh')).toBeNull();
    expect(interpreterFromCommand('/usr/bin/qemu-aarch64 /bin/sh')).toBe('/usr/bin/qemu-aarch64');
  });

  it('returns null for native programs and empty input', () => {
    expect(interpreterFromCommand('/bin/busybox httpd')).toBeNull();
    expect(interpreterFromCommand('')).toBeNull();
    expect(interpreterFromCommand(null)).toBeNull();
  });
});
