import { describe, expect, it } from 'vitest';
import { parseShebang } from './shebang.ts';

function parse(text: string) {
  return parseShebang(new TextEncoder().encode(text));
}

describe('parseShebang', () => {
  it('reads an interpreter without an argument', () => {
    expect(parse('#!/bin/sh\nexec httpd\n')).toEqual({ kind: 'script', interpreter: '/bin/sh', argument: null });
  });

  it('keeps everything after the interpreter as one argument', () => {
    expect(parse('#!/usr/bin/env python3 -u -O\n')).toEqual({ kind: 'script', interpreter: '/usr/bin/env', argument: 'python3 -u -O' });
  });

  it('skips spaces and tabs around the interpreter', () => {
    expect(parse('#! \t/bin/bash \t-e \t\n')).toEqual({ kind: 'script', interpreter: '/bin/bash', argument: '-e' });
  });

  it('keeps a carriage return in the interpreter path', () => {
    expect(parse('#!/bin/sh\r\n')).toEqual({ kind: 'script', interpreter: '/bin/sh\r', argument: null });
  });

  it('reads a file that ends without a newline', () => {
    expect(parse('#!/bin/sh')).toEqual({ kind: 'script', interpreter: '/bin/sh', argument: null });
  });

  it('ends the interpreter and the argument at a NUL byte', () => {
    expect(parse('#!/bin/sh\0 -x\n')).toEqual({ kind: 'script', interpreter: '/bin/sh', argument: null });
    expect(parse('#!/bin/sh -x\0-e\n')).toEqual({ kind: 'script', interpreter: '/bin/sh', argument: '-x' });
  });

  it('returns not-a-script without #!', () => {
    expect(parse('echo hello\n')).toEqual({ kind: 'not-a-script' });
    expect(parse('#')).toEqual({ kind: 'not-a-script' });
    expect(parseShebang(new Uint8Array(0))).toEqual({ kind: 'not-a-script' });
  });

  it('rejects a line without an interpreter', () => {
    expect(parse('#!\n')).toEqual({ kind: 'invalid', reason: 'The #! line names no interpreter.' });
    expect(parse('#!   \nexit 0\n').kind).toBe('invalid');
  });

  it('rejects a line of spaces longer than the buffer', () => {
    const result = parse(`#!${' '.repeat(300)}`);
    expect(result.kind).toBe('invalid');
  });

  it('rejects an interpreter path cut off by the buffer', () => {
    const result = parse(`#!/${'a'.repeat(300)}\n`);
    expect(result).toEqual({ kind: 'invalid', reason: 'The interpreter path on the #! line is longer than the 256 bytes the kernel reads.' });
  });

  it('accepts a long line whose interpreter fits in the buffer', () => {
    const result = parse(`#!/bin/sh ${'x'.repeat(300)}\n`);
    expect(result.kind).toBe('script');
    if (result.kind === 'script') {
      expect(result.interpreter).toBe('/bin/sh');
      // The argument is cut at byte 255, the last byte of the kernel's buffer is not used.
      expect(result.argument).toBe('x'.repeat(255 - '#!/bin/sh '.length));
    }
  });
});
