import { describe, expect, it } from 'vitest';
import { parseServeArguments } from './serve.ts';

describe('parseServeArguments', () => {
  it('reads the socket option in both forms', () => {
    expect(parseServeArguments(['serve', '--socket', '/tmp/a.sock'], {})).toEqual({ socket: '/tmp/a.sock' });
    expect(parseServeArguments(['serve', '--socket=/tmp/b.sock'], {})).toEqual({ socket: '/tmp/b.sock' });
  });

  it('prefers the option to ARM_RUNNER_SOCKET', () => {
    expect(parseServeArguments(['serve', '--socket', '/tmp/a.sock'], { ARM_RUNNER_SOCKET: '/tmp/env.sock' })).toEqual({ socket: '/tmp/a.sock' });
  });

  it('falls back to ARM_RUNNER_SOCKET, then to the default', () => {
    expect(parseServeArguments(['serve'], { ARM_RUNNER_SOCKET: '/tmp/env.sock' })).toEqual({ socket: '/tmp/env.sock' });
    expect(parseServeArguments(['serve'], {})).toEqual({ socket: undefined });
  });

  it('leaves other commands to the full parser', () => {
    expect(parseServeArguments(['status'], {})).toBeUndefined();
    expect(parseServeArguments([], {})).toBeUndefined();
    expect(parseServeArguments(['ui', '--socket', '/tmp/a.sock'], {})).toBeUndefined();
  });

  it('leaves help and odd forms to the full parser', () => {
    const forms = [
      ['serve', '--help'],
      ['serve', '-h'],
      ['serve', '--socket'],
      ['serve', '--socket', ''],
      ['serve', '--socket', '--help'],
      ['serve', '--socket='],
      ['serve', '--socket=/tmp/a.sock', '--extra'],
      ['serve', '--socket', '/tmp/a.sock', '--extra'],
      ['serve', '--port', '80'],
      ['serve', 'extra'],
    ];
    for (const form of forms) {
      expect(parseServeArguments(form, {}), form.join(' ')).toBeUndefined();
    }
  });
});
