import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Container, EngineClient } from '../engine/client.ts';
import { ArmRunnerError } from '../errors.ts';
import { managedLabels } from '../engine/labels.ts';
import { demuxDockerStream } from '../engine/streams.ts';
import { logger } from '../log.ts';
import { parseBinfmtListing } from './binfmt.ts';
import { splitIdentity, type HelperReading } from './binfmt-view.ts';
import type { HelperImage } from './helper-image.ts';

const READ_TIMEOUT_MS = 5000;
/** How long the reader stays off after a session failed to start, for example while the engine is down. */
const RETRY_AFTER_MS = 60_000;
const END_MARKER = '@end';

interface Session {
  container: Container;
  stream: Duplex;
  /** Raw multiplexed bytes received since the last request. */
  received: Buffer;
  /** Called on every chunk and when the stream ends. */
  onChange: (() => void) | undefined;
  ended: boolean;
  /** Number of reads the session served. */
  served: number;
}

/**
 * Keeps one helper container running that prints the binfmt_misc table each
 * time the backend writes a line to its standard input. A read then costs a
 * round trip on an open connection instead of a container start, and it still
 * shows the table as it is at that moment.
 *
 * The container is created with AutoRemove and StdinOnce: when this process
 * closes the connection, or dies, the helper's input ends, its script exits
 * and the engine removes it. A session that fails is dropped and the next
 * read starts a new one. When a session cannot start or fails its first read,
 * the reader stays off for a minute, and callers use the one-shot helper
 * meanwhile.
 *
 * NOTE: checked with the extension image on a Linux engine, not inside
 * Docker Desktop itself, where the attach goes through Desktop's socket proxy.
 *
 * The container gets no capability. Where the engine's host has not mounted
 * binfmt_misc, the helper would need CAP_SYS_ADMIN to mount it, so its first
 * read fails and the one-shot helper, which has that capability, is used.
 */
export class ResidentReader {
  private session: Promise<Session> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Time before which no new session is tried, after one failed to start. */
  private offUntil = 0;

  constructor(
    private readonly docker: EngineClient,
    private readonly helper: HelperImage,
  ) {}

  /** False for a while after a session failed to start; callers then use the one-shot helper. */
  get available(): boolean {
    return Date.now() >= this.offUntil;
  }

  /** Reads the table once. Reads are served one at a time, in order. */
  read(engineArchitecture: string): Promise<HelperReading> {
    const result = this.queue.then(() => this.readNow(engineArchitecture));
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Ends the helper's input, so that it exits and the engine removes it. */
  close(): void {
    const pending = this.session;
    this.session = undefined;
    void pending?.then(
      (session) => session.stream.end(),
      () => undefined,
    );
  }

  private async readNow(engineArchitecture: string): Promise<HelperReading> {
    if (!this.available) {
      throw new ArmRunnerError('ENGINE_ERROR', 'The resident binfmt_misc reader is off after it failed to start.');
    }
    this.session ??= this.startSession().catch((error: unknown) => {
      this.offUntil = Date.now() + RETRY_AFTER_MS;
      this.session = undefined;
      logger.warn({ event: 'binfmt.resident-start-failed', err: error }, 'the resident binfmt_misc reader did not start, so each read starts a helper container');
      throw error;
    });
    const session = await this.session;

    try {
      const output = await this.request(session);
      const { listing, identity } = splitIdentity(output);
      if (!/(^|\/)status:/m.test(listing)) {
        throw new ArmRunnerError('ENGINE_ERROR', 'The resident binfmt_misc reader printed no status line.', output.slice(0, 500));
      }
      session.served += 1;
      return { state: parseBinfmtListing(listing, engineArchitecture), identity };
    } catch (error) {
      if (session.served === 0) {
        this.offUntil = Date.now() + RETRY_AFTER_MS;
      }
      logger.warn({ event: 'binfmt.resident-read-failed', containerId: session.container.id, err: error }, 'the resident binfmt_misc reader failed; the next read starts a new one');
      if (this.session !== undefined) {
        this.close();
      }
      throw error;
    }
  }

  /** Writes one request line and returns the helper's standard output up to the end marker. */
  private request(session: Session): Promise<string> {
    session.received = Buffer.alloc(0);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        session.onChange = undefined;
        reject(new ArmRunnerError('ENGINE_ERROR', `The resident binfmt_misc reader timed out after ${READ_TIMEOUT_MS} ms.`));
      }, READ_TIMEOUT_MS);

      session.onChange = () => {
        const stdout = demuxDockerStream(session.received).stdout;
        const end = stdout.startsWith(`${END_MARKER}\n`) ? 0 : stdout.indexOf(`\n${END_MARKER}\n`);
        if (end !== -1) {
          clearTimeout(timer);
          session.onChange = undefined;
          resolve(stdout.slice(0, end));
        } else if (session.ended) {
          clearTimeout(timer);
          session.onChange = undefined;
          reject(new ArmRunnerError('ENGINE_ERROR', 'The resident binfmt_misc reader exited before it printed the table.', demuxDockerStream(session.received).stderr.trim() || undefined));
        }
      };
      session.stream.write('\n');
      session.onChange();
    });
  }

  private async startSession(): Promise<Session> {
    const image = await this.helper.ensure();
    const container = await this.docker.createContainer({
      // A name that says what it is in "docker ps"; the suffix keeps two backends apart.
      name: `arm-runner-binfmt-reader-${randomBytes(3).toString('hex')}`,
      Image: image,
      Entrypoint: ['/usr/libexec/arm-runner/read-binfmt', '--on-request'],
      Cmd: [],
      Labels: managedLabels('binfmt-reader'),
      NetworkDisabled: true,
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      HostConfig: {
        AutoRemove: true,
        CapDrop: ['ALL'],
        Binds: ['/proc/sys/fs/binfmt_misc:/host/binfmt_misc:ro'],
        NetworkMode: 'none',
      },
    });

    let stream: Duplex;
    try {
      stream = await container.attach();
      await container.start();
    } catch (error) {
      await container.remove({ force: true }).catch(() => undefined);
      throw error;
    }

    const session: Session = { container, stream, received: Buffer.alloc(0), onChange: undefined, ended: false, served: 0 };
    const ended = (): void => {
      session.ended = true;
      session.onChange?.();
      if (this.session !== undefined) {
        void this.session.then((current) => {
          if (current === session) {
            this.session = undefined;
          }
        });
      }
    };
    stream.on('data', (chunk: Buffer) => {
      session.received = Buffer.concat([session.received, chunk]);
      session.onChange?.();
    });
    stream.on('end', ended);
    stream.on('close', ended);
    stream.on('error', (error: Error) => {
      logger.warn({ event: 'binfmt.resident-stream-error', containerId: container.id, err: error }, 'the connection to the resident binfmt_misc reader failed');
      ended();
    });
    // The open connection must not keep a CLI process alive after its work.
    (stream as Duplex & { unref?: () => void }).unref?.();
    logger.info({ event: 'binfmt.resident-started', containerId: container.id }, 'started the resident binfmt_misc reader');
    return session;
  }
}
