import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { ArmRunnerError } from '../errors.ts';
import type { Container } from './client.ts';

export interface DemuxedOutput {
  stdout: string;
  stderr: string;
  /** Both streams interleaved in the order the engine sent them. */
  combined: string;
}

/**
 * Splits the engine's multiplexed output of a container without a TTY.
 * Each frame is an 8-byte header (stream type, 3 zero bytes, big-endian size)
 * followed by the payload. Bytes after a truncated frame are ignored.
 */
export function demuxDockerStream(buffer: Buffer): DemuxedOutput {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const combined: Buffer[] = [];
  let offset = 0;

  while (offset + 8 <= buffer.length) {
    const streamType = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    const end = offset + 8 + size;
    if (end > buffer.length) {
      break;
    }
    const payload = buffer.subarray(offset + 8, end);
    (streamType === 2 ? stderr : stdout).push(payload);
    combined.push(payload);
    offset = end;
  }

  return {
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
    combined: Buffer.concat(combined).toString('utf8'),
  };
}

interface ProgressEvent {
  error?: string;
  errorDetail?: { message?: string };
  status?: string;
  stream?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
}

/** One line of an engine pull stream: a layer's state, or a message about the whole image. */
export interface PullProgressEvent {
  /** The short layer id that the engine prints. Image-wide messages such as "Digest: …" have none. */
  layer?: string;
  /** The engine's own words, for example "Downloading", "Download complete" or "Pull complete". */
  status: string;
  /** Bytes done and total bytes, when the engine reports them. */
  current?: number;
  total?: number;
}

/**
 * Reads an engine progress stream (one JSON object a line) to its end and
 * passes every event on. It rejects with ENGINE_ERROR when any line carries
 * an error, because the engine reports many failures inside a stream that
 * otherwise ends normally, and when a line is not JSON.
 */
async function followProgressEvents(stream: Readable, onEvent: (event: ProgressEvent) => void): Promise<void> {
  let failure: ProgressEvent | undefined;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') {
      continue;
    }
    let event: ProgressEvent;
    try {
      event = JSON.parse(line) as ProgressEvent;
    } catch {
      throw new ArmRunnerError('ENGINE_ERROR', 'The Docker engine sent a progress line that is not JSON.', line.slice(0, 200));
    }
    if (failure === undefined && (event.error !== undefined || event.errorDetail !== undefined)) {
      failure = event;
    }
    onEvent(event);
  }
  if (failure !== undefined) {
    throw new ArmRunnerError('ENGINE_ERROR', 'The Docker engine reported an error.', failure.error ?? failure.errorDetail?.message);
  }
}

/**
 * Waits for an engine progress stream (pull, import, load) to end and checks
 * every line for an error, because the engine reports many failures inside a
 * stream that otherwise ends normally.
 */
export async function followProgress(stream: Readable, onLine?: (text: string) => void): Promise<void> {
  await followProgressEvents(stream, (event) => {
    const text = event.stream ?? event.status;
    if (text !== undefined && onLine) {
      onLine(text.trimEnd());
    }
  });
}

// Layer events carry a short hex layer id. Image-wide lines such as
// "Pulling from …" carry the reference in the same field.
const LAYER_ID = /^[0-9a-f]{12,64}$/;

/** Waits for a pull stream to end like followProgress, and reports each layer event. */
export async function followPullProgress(stream: Readable, onEvent?: (event: PullProgressEvent) => void): Promise<void> {
  await followProgressEvents(stream, (event) => {
    if (event.status === undefined || onEvent === undefined) {
      return;
    }
    const { current, total } = event.progressDetail ?? {};
    onEvent({
      status: event.status.trimEnd(),
      ...(event.id !== undefined && LAYER_ID.test(event.id) ? { layer: event.id } : {}),
      ...(current === undefined ? {} : { current }),
      ...(total === undefined ? {} : { total }),
    });
  });
}

/** The end of a container's output, cut to a byte limit. */
export interface LogTail {
  text: string;
  /** True when older output was dropped to stay within the byte limit. */
  truncated: boolean;
}

/**
 * Reads a multiplexed stream (the output of a container or exec without a
 * TTY) as it arrives and passes each payload on with its stream type: 1 for
 * stdout, 2 for stderr. A frame is an 8-byte header (stream type, 3 zero
 * bytes, big-endian size) and the payload. A payload split across chunks is
 * passed on in parts, and an incomplete frame at the end is dropped.
 */
export async function readFrames(stream: AsyncIterable<Buffer>, onPayload: (streamType: number, payload: Buffer) => void): Promise<void> {
  let pending = Buffer.alloc(0);
  let streamType = 1;
  let remainingPayload = 0;
  for await (const chunk of stream) {
    let data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    pending = Buffer.alloc(0);
    while (data.length > 0) {
      if (remainingPayload > 0) {
        const part = data.subarray(0, remainingPayload);
        onPayload(streamType, Buffer.from(part));
        remainingPayload -= part.length;
        data = data.subarray(part.length);
        continue;
      }
      if (data.length < 8) {
        pending = Buffer.from(data);
        break;
      }
      streamType = data[0] ?? 1;
      remainingPayload = data.readUInt32BE(4);
      data = data.subarray(8);
    }
  }
}

/**
 * Streams the last `tail` lines of a container's output (both streams, in
 * the order the engine sent them) and keeps only their last `maxBytes`
 * bytes, so that a huge log never has to fit in memory.
 */
export async function readLogTail(container: Container, tail: number, maxBytes: number): Promise<LogTail> {
  const stream = await container.logs({ stdout: true, stderr: true, follow: false, tail });

  const tailChunks: Buffer[] = [];
  let tailBytes = 0;
  let truncated = false;
  await readFrames(stream, (_streamType, payload) => {
    tailChunks.push(payload);
    tailBytes += payload.length;
    while (tailBytes > maxBytes && tailChunks.length > 0) {
      const first = tailChunks[0] as Buffer;
      const excess = tailBytes - maxBytes;
      truncated = true;
      if (first.length <= excess) {
        tailChunks.shift();
        tailBytes -= first.length;
      } else {
        tailChunks[0] = first.subarray(excess);
        tailBytes -= excess;
      }
    }
  });
  return { text: Buffer.concat(tailChunks).toString('utf8'), truncated };
}

/** The output kept from a helper or probe container, which prints a few lines when it works. */
export const HELPER_OUTPUT_MAX_BYTES = 1024 * 1024;

/**
 * Reads the whole output of a short-lived container, such as a helper or a
 * probe, split into stdout and stderr. Only the first `maxBytes` bytes are
 * kept, so a program that prints without end cannot fill the memory.
 */
export async function readContainerOutput(container: Container, maxBytes: number): Promise<DemuxedOutput> {
  const stream = await container.logs({ stdout: true, stderr: true, follow: false });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const combined: Buffer[] = [];
  let kept = 0;
  await readFrames(stream, (streamType, payload) => {
    const part = payload.subarray(0, Math.max(0, maxBytes - kept));
    kept += part.length;
    (streamType === 2 ? stderr : stdout).push(part);
    combined.push(part);
  });
  return {
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
    combined: Buffer.concat(combined).toString('utf8'),
  };
}
