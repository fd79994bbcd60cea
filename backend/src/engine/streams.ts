import type Docker from 'dockerode';
import { ArmRunnerError } from '../errors.ts';

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
 * Waits for an engine progress stream to end and passes every event on. It
 * rejects with ENGINE_ERROR when any line carries an error, because the engine
 * reports many failures inside a stream that otherwise ends normally.
 */
async function followProgressEvents(docker: Docker, stream: NodeJS.ReadableStream, onEvent: (event: ProgressEvent) => void): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, events: ProgressEvent[]) => {
        if (error) {
          reject(error);
          return;
        }
        const failed = events.find((event) => event.error !== undefined || event.errorDetail !== undefined);
        if (failed) {
          reject(new ArmRunnerError('ENGINE_ERROR', 'The Docker engine reported an error.', failed.error ?? failed.errorDetail?.message));
          return;
        }
        resolve();
      },
      onEvent,
    );
  });
}

/**
 * Waits for an engine progress stream (pull, import, load) to end and checks
 * every line for an error, because the engine reports many failures inside a
 * stream that otherwise ends normally.
 */
export async function followProgress(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onLine?: (text: string) => void,
): Promise<void> {
  await followProgressEvents(docker, stream, (event) => {
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
export async function followPullProgress(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onEvent?: (event: PullProgressEvent) => void,
): Promise<void> {
  await followProgressEvents(docker, stream, (event) => {
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
 * Streams the last `tail` lines of a container's output (both streams, in
 * the order the engine sent them) and keeps only their last `maxBytes`
 * bytes, so that a huge log never has to fit in memory.
 */
export async function readLogTail(docker: Docker, containerId: string, tail: number, maxBytes: number): Promise<LogTail> {
  const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
    docker.modem.dial(
      {
        path: `/containers/${encodeURIComponent(containerId)}/logs?`,
        method: 'GET',
        options: { stdout: true, stderr: true, follow: false, tail },
        isStream: true,
        statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
      },
      (error: Error | null, result: unknown) => (error ? reject(error) : resolve(result as NodeJS.ReadableStream)),
    );
  });

  const tailChunks: Buffer[] = [];
  let tailBytes = 0;
  let truncated = false;
  let pending = Buffer.alloc(0);
  const append = (payload: Buffer): void => {
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
  };

  // Frames are an 8-byte header (stream type, 3 zero bytes, big-endian size)
  // and the payload. Payloads are passed on as they arrive, even split ones.
  let remainingPayload = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    pending = Buffer.alloc(0);
    while (data.length > 0) {
      if (remainingPayload > 0) {
        const part = data.subarray(0, remainingPayload);
        append(Buffer.from(part));
        remainingPayload -= part.length;
        data = data.subarray(part.length);
        continue;
      }
      if (data.length < 8) {
        pending = Buffer.from(data);
        break;
      }
      remainingPayload = data.readUInt32BE(4);
      data = data.subarray(8);
    }
  }
  return { text: Buffer.concat(tailChunks).toString('utf8'), truncated };
}
