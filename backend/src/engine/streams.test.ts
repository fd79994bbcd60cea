import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ArmRunnerError } from '../errors.ts';
import { demuxDockerStream, followProgress, followPullProgress, readFrames, type PullProgressEvent } from './streams.ts';
import { frame } from '../../test/rig/byte-fixtures.ts';

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

describe('readFrames', () => {
  it('passes payloads on with their stream type', async () => {
    const payloads: [number, string][] = [];
    const data = Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')]);
    await readFrames(Readable.from([data.subarray(0, 3), data.subarray(3, 10), data.subarray(10)]), (streamType, payload) => {
      payloads.push([streamType, payload.toString()]);
    });
    expect(payloads.map(([streamType]) => streamType)).toEqual([1, 1, 2]);
    expect(payloads.filter(([streamType]) => streamType === 1).map(([, text]) => text).join('')).toBe('out\n');
    expect(payloads.filter(([streamType]) => streamType === 2).map(([, text]) => text).join('')).toBe('err\n');
  });
});

/** Creates a progress stream as the engine sends it, split inside lines. */
function progressStream(lines: object[]): Readable {
  const text = lines.map((line) => `${JSON.stringify(line)}\r\n`).join('');
  return Readable.from([Buffer.from(text.slice(0, 17)), Buffer.from(text.slice(17))]);
}

describe('followProgress', () => {
  it('passes each status line on', async () => {
    const lines: string[] = [];
    await followProgress(progressStream([{ status: 'Loading layer' }, { stream: 'Loaded image: a:b\n' }]), (text) => lines.push(text));
    expect(lines).toEqual(['Loading layer', 'Loaded image: a:b']);
  });

  it('rejects a stream with an error line', async () => {
    const following = followProgress(progressStream([{ status: 'Pulling' }, { errorDetail: { message: 'manifest unknown' }, error: 'manifest unknown' }]));
    await expect(following).rejects.toBeInstanceOf(ArmRunnerError);
    await expect(followProgress(progressStream([{ error: 'manifest unknown' }]))).rejects.toMatchObject({ code: 'ENGINE_ERROR', detail: 'manifest unknown' });
  });

  it('rejects a line that is not JSON', async () => {
    await expect(followProgress(Readable.from([Buffer.from('not json\n')]))).rejects.toMatchObject({ code: 'ENGINE_ERROR', detail: 'not json' });
  });
});

describe('followPullProgress', () => {
  it('reports layer events with their progress', async () => {
    const events: PullProgressEvent[] = [];
    await followPullProgress(
      progressStream([
        { status: 'Pulling from team/app', id: 'sha256' },
        { status: 'Downloading', id: '0123456789ab', progressDetail: { current: 10, total: 20 } },
        { status: 'Digest: sha256:abc' },
      ]),
      (event) => events.push(event),
    );
    expect(events).toEqual([
      { status: 'Pulling from team/app' },
      { status: 'Downloading', layer: '0123456789ab', current: 10, total: 20 },
      { status: 'Digest: sha256:abc' },
    ]);
  });
});
