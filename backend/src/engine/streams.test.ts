import { describe, expect, it } from 'vitest';
import { demuxDockerStream } from './streams.ts';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('demuxDockerStream', () => {
  it('splits stdout and stderr and keeps their order', () => {
    const output = demuxDockerStream(Buffer.concat([frame(1, 'out1\n'), frame(2, 'err\n'), frame(1, 'out2\n')]));
    expect(output.stdout).toBe('out1\nout2\n');
    expect(output.stderr).toBe('err\n');
    expect(output.combined).toBe('out1\nerr\nout2\n');
  });

  it('ignores a truncated last frame', () => {
    const whole = frame(1, 'complete\n');
    const cut = frame(1, 'partial').subarray(0, 10);
    expect(demuxDockerStream(Buffer.concat([whole, cut])).stdout).toBe('complete\n');
  });

  it('returns empty output for an empty buffer', () => {
    expect(demuxDockerStream(Buffer.alloc(0))).toEqual({ stdout: '', stderr: '', combined: '' });
  });
});
