import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { EngineInfo } from '@arm-runner/contract';
import { dockerArchitecture } from '../emulation/platform.ts';
import type {
  ContainerCreateRequest,
  ContainerInspect,
  ContainerSummary,
  ContainerTop,
  DistributionInspect,
  EngineFilters,
  ImageInspect,
  ImageSummary,
  SystemInfo,
  SystemVersion,
} from './api-types.ts';
import { fromEngineError } from './engine-errors.ts';
import { parseEngineHost } from './engine-host.ts';
import { EngineTransport, pathSegment, type FileBody } from './transport.ts';

/**
 * A small client for the Docker Engine API, with only the calls ARM Runner
 * makes. Paths carry no version prefix, so the engine serves its own API
 * version. Calls reject with EngineApiError (status and the engine's message)
 * or with the socket's error (code ECONNREFUSED, ENOENT and so on), which
 * fromEngineError maps to the product's errors.
 */
export class EngineClient {
  constructor(readonly transport: EngineTransport) {}

  async ping(): Promise<void> {
    await this.transport.call({ method: 'GET', path: '/_ping' });
  }

  info(): Promise<SystemInfo> {
    return this.transport.json({ method: 'GET', path: '/info' });
  }

  version(): Promise<SystemVersion> {
    return this.transport.json({ method: 'GET', path: '/version' });
  }

  listContainers(options: { all?: boolean; filters?: EngineFilters } = {}): Promise<ContainerSummary[]> {
    return this.transport.json({ method: 'GET', path: '/containers/json', query: { all: options.all, filters: options.filters } });
  }

  listImages(options: { all?: boolean; filters?: EngineFilters } = {}): Promise<ImageSummary[]> {
    return this.transport.json({ method: 'GET', path: '/images/json', query: { all: options.all, filters: options.filters } });
  }

  async createContainer(request: ContainerCreateRequest): Promise<Container> {
    const { name, platform, ...body } = request;
    const created = await this.transport.json<{ Id: string }>({ method: 'POST', path: '/containers/create', query: { name, platform }, json: body });
    return this.getContainer(created.Id);
  }

  /** Returns a handle to a container. No request is sent until a method is called. */
  getContainer(id: string): Container {
    return new Container(this.transport, id);
  }

  /** Returns a handle to an image by id or reference. No request is sent until a method is called. */
  getImage(name: string): Image {
    return new Image(this.transport, name);
  }

  /** Loads a `docker save` archive (POST /images/load) and returns the engine's progress stream. */
  loadImage(archive: Buffer | Readable | FileBody): Promise<IncomingMessage> {
    return this.transport.stream({ method: 'POST', path: '/images/load', tar: archive });
  }

  /**
   * Creates an image from a root filesystem tar (POST /images/create with
   * fromSrc=-) and returns the engine's progress stream. `changes` are
   * Dockerfile instructions such as LABEL, applied to the new image.
   */
  importImage(rootFilesystem: Buffer | Readable | FileBody, options: { repo: string; tag: string; changes?: string[] }): Promise<IncomingMessage> {
    return this.transport.stream({
      method: 'POST',
      path: '/images/create',
      query: { fromSrc: '-', repo: options.repo, tag: options.tag, changes: options.changes },
      tar: rootFilesystem,
    });
  }

  /**
   * Pulls an image (POST /images/create with fromImage) and returns the
   * engine's progress stream. `tag` may be a tag or a digest. No credentials
   * are sent.
   */
  pullImage(options: { fromImage: string; tag: string; platform?: string }): Promise<IncomingMessage> {
    return this.transport.stream({ method: 'POST', path: '/images/create', query: { fromImage: options.fromImage, tag: options.tag, platform: options.platform } });
  }
}

/** A container, by id. */
export class Container {
  constructor(
    private readonly transport: EngineTransport,
    readonly id: string,
  ) {}

  private get path(): string {
    return `/containers/${pathSegment(this.id)}`;
  }

  inspect(): Promise<ContainerInspect> {
    return this.transport.json({ method: 'GET', path: `${this.path}/json` });
  }

  start(): Promise<void> {
    return this.transport.call({ method: 'POST', path: `${this.path}/start` });
  }

  /**
   * Attaches to the container's standard streams and returns the raw
   * connection: writes go to its standard input, reads are its multiplexed
   * output. Attach before start to miss no output.
   */
  attach(): Promise<Duplex> {
    return this.transport.upgrade({ method: 'POST', path: `${this.path}/attach`, query: { stream: true, stdin: true, stdout: true, stderr: true } });
  }

  /** Stops the container, killing it after `t` seconds. The engine responds with 304 when it was not running. */
  stop(options: { t?: number } = {}): Promise<void> {
    return this.transport.call({ method: 'POST', path: `${this.path}/stop`, query: { t: options.t } });
  }

  kill(): Promise<void> {
    return this.transport.call({ method: 'POST', path: `${this.path}/kill` });
  }

  /** Waits until the container exits and returns its exit code. */
  wait(): Promise<{ StatusCode: number }> {
    return this.transport.json({ method: 'POST', path: `${this.path}/wait` });
  }

  remove(options: { force?: boolean } = {}): Promise<void> {
    return this.transport.call({ method: 'DELETE', path: this.path, query: { force: options.force } });
  }

  /** Lists the container's processes, as `ps` prints them. */
  top(): Promise<ContainerTop> {
    return this.transport.json({ method: 'GET', path: `${this.path}/top` });
  }

  /**
   * Returns the container's output as a stream. For a container without a
   * TTY the stream is multiplexed: 8-byte frame headers, see streams.ts.
   */
  logs(options: { stdout?: boolean; stderr?: boolean; tail?: number; follow?: boolean }): Promise<IncomingMessage> {
    return this.transport.stream({
      method: 'GET',
      path: `${this.path}/logs`,
      query: { stdout: options.stdout, stderr: options.stderr, tail: options.tail, follow: options.follow ?? false },
    });
  }

  /** Creates an exec instance in the running container. */
  async exec(options: { Cmd: string[]; AttachStdout?: boolean; AttachStderr?: boolean }): Promise<Exec> {
    const created = await this.transport.json<{ Id: string }>({ method: 'POST', path: `${this.path}/exec`, json: options });
    return new Exec(this.transport, created.Id);
  }

  /** Extracts a tar into the container's filesystem below `path`. */
  putArchive(archive: Buffer | Readable | FileBody, options: { path: string }): Promise<void> {
    return this.transport.call({ method: 'PUT', path: `${this.path}/archive`, query: { path: options.path }, tar: archive });
  }

  /** Returns a tar stream of one path in the container's filesystem. */
  getArchive(options: { path: string }): Promise<IncomingMessage> {
    return this.transport.stream({ method: 'GET', path: `${this.path}/archive`, query: { path: options.path } });
  }

  /** Returns the container's whole filesystem as a tar stream. */
  export(): Promise<IncomingMessage> {
    return this.transport.stream({ method: 'GET', path: `${this.path}/export` });
  }

  /** Creates an image from the container. `changes` are Dockerfile instructions such as LABEL. */
  commit(options: { repo: string; tag: string; changes?: string[]; pause?: boolean; comment?: string }): Promise<{ Id: string }> {
    return this.transport.json({
      method: 'POST',
      path: '/commit',
      query: { container: this.id, repo: options.repo, tag: options.tag, changes: options.changes, pause: options.pause, comment: options.comment },
    });
  }
}

/** An exec instance, by id. */
export class Exec {
  constructor(
    private readonly transport: EngineTransport,
    readonly id: string,
  ) {}

  /** Starts the process and returns its multiplexed output, which ends when the process exits. */
  start(): Promise<Duplex> {
    return this.transport.upgrade({ method: 'POST', path: `/exec/${pathSegment(this.id)}/start`, json: { Detach: false, Tty: false } });
  }

  /** Returns the exit code, which is null while the process runs. */
  inspect(): Promise<{ ExitCode: number | null; Running: boolean }> {
    return this.transport.json({ method: 'GET', path: `/exec/${pathSegment(this.id)}/json` });
  }
}

/** An image, by id or reference. */
export class Image {
  constructor(
    private readonly transport: EngineTransport,
    readonly name: string,
  ) {}

  inspect(): Promise<ImageInspect> {
    return this.transport.json({ method: 'GET', path: `/images/${pathSegment(this.name)}/json` });
  }

  /**
   * Removes the reference, and the image when nothing else refers to it.
   * Without `noprune`, the engine also deletes parent images that have no tag
   * left, which may be a user's image whose tag moved.
   */
  remove(options: { force?: boolean; noprune?: boolean } = {}): Promise<void> {
    return this.transport.call({ method: 'DELETE', path: `/images/${pathSegment(this.name)}`, query: { force: options.force, noprune: options.noprune } });
  }

  /** Asks the engine to read the reference's descriptor and platforms from its registry. */
  distribution(): Promise<DistributionInspect> {
    return this.transport.json({ method: 'GET', path: `/distribution/${pathSegment(this.name)}/json` });
  }
}

/**
 * Creates the Engine API client. It reads DOCKER_HOST and DOCKER_TLS_VERIFY
 * (see parseEngineHost), or uses /var/run/docker.sock. `socketPath`
 * overrides both.
 */
export function createEngineClient(options: { socketPath?: string } = {}): EngineClient {
  const address =
    options.socketPath === undefined
      ? parseEngineHost(process.env.DOCKER_HOST ?? '', process.env.DOCKER_TLS_VERIFY ?? '')
      : { kind: 'unix' as const, socketPath: options.socketPath };
  return new EngineClient(new EngineTransport(address));
}

export async function readEngineInfo(docker: EngineClient): Promise<EngineInfo> {
  try {
    const [info, version] = await Promise.all([docker.info(), docker.version()]);
    return {
      os: info.OSType ?? 'linux',
      architecture: dockerArchitecture(info.Architecture ?? ''),
      kernelVersion: info.KernelVersion ?? '',
      serverVersion: info.ServerVersion ?? version.Version,
      apiVersion: version.ApiVersion,
    };
  } catch (error) {
    throw fromEngineError(error, 'read its version and architecture');
  }
}
