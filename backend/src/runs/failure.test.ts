import { describe, expect, it } from 'vitest';
import { classifyEarlyExit } from './failure.ts';
import { interpreterFromCommand } from './evidence.ts';

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

  it('reports other exits with their code and last lines', () => {
    const output = Array.from({ length: 30 }, (_, index) => `line ${index}`).join('\n');
    const error = classifyEarlyExit('img', 3, output);
    expect(error.code).toBe('PROGRAM_EXITED');
    expect(error.message).toContain('code 3');
    expect(error.detail?.split('\n')).toHaveLength(20);
    expect(error.detail?.endsWith('line 29')).toBe(true);
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
