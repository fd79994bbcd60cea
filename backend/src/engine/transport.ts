import { open, type FileHandle } from 'node:fs/promises';
import http from 'node:http';
import { Readable, type Duplex } from 'node:stream';
import type { EngineAddress } from './engine-host.ts';

/** The maximum bytes of an error response that are read for its message. */
const ERROR_BODY_MAX_BYTES = 64 * 1024;

/** The size of the one buffer a file body is sent through. */
const FILE_CHUNK_SIZE = 64 * 1024;

/**
 * A response from the Engine API with a status outside 2xx. The message is
 * the engine's own text (the "message" field of its JSON error body).
 */
export class EngineApiError extends Error {
  readonly statusCode: number;
  /** Method and path of the request, for logs. */
  readonly request: string;

  constructor(statusCode: number, message: string, request: string) {
    super(message);
    this.name = 'EngineApiError';
    this.statusCode = statusCode;
    this.request = request;
  }
}

/** A request body read from a file, such as a QEMU tar of the bundle. */
export interface FileBody {
  filePath: string;
}

/** A query value. An array becomes one parameter per item, and filters are sent as JSON. */
export type QueryValue = string | number | boolean | string[] | Record<string, string[]> | undefined;

export interface EngineRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  /** The path without a version prefix, for example /containers/create. Segments must be encoded already. */
  path: string;
  query?: Record<string, QueryValue>;
  /** A JSON body. */
  json?: unknown;
  /** A tar body, sent as application/x-tar. */
  tar?: Buffer | Readable | FileBody;
  headers?: Record<string, string>;
}

/** Builds the query string, leaving out undefined values. */
export function buildQuery(query: Record<string, QueryValue> = {}): string {
  const parameters = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) {
      continue;
    }
    if (Array.isArray(value)) {
      for (const item of value) {
        parameters.append(key, item);
      }
    } else if (typeof value === 'object') {
      parameters.append(key, JSON.stringify(value));
    } else {
      parameters.append(key, String(value));
    }
  }
  const text = parameters.toString();
  return text === '' ? '' : `?${text}`;
}

/** Encodes one path segment, such as an image reference that contains "/" and ":". */
export function pathSegment(value: string): string {
  return encodeURIComponent(value);
}

/**
 * Returns the engine's message from an error body: the "message" field of a
 * JSON body, else the text itself, else the HTTP status.
 */
export function errorMessageFromBody(statusCode: number, body: string): string {
  const text = body.trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') {
      return parsed.message;
    }
  } catch {
    // Not JSON: proxies and some old endpoints send plain text.
  }
  return text === '' ? `HTTP ${statusCode} ${http.STATUS_CODES[statusCode] ?? ''}`.trimEnd() : text;
}

async function readBody(response: http.IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    if (length < maxBytes) {
      chunks.push(chunk.subarray(0, maxBytes - length));
      length += chunk.length;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

function readBodyFailed(error: unknown): Error {
  const reason = error instanceof Error ? error.message : String(error);
  return new Error(`Reading the request body failed: ${reason}`, { cause: error });
}

/**
 * Sends a file as the request body through one reused buffer. A stream of
 * fresh chunks would do the same, but Node's allocator keeps the memory of
 * freed chunks, so every 11 MB QEMU tar upload would raise the backend's
 * resident memory. Each read waits until the previous write has been passed
 * to the socket, so the buffer is never overwritten while it is queued.
 */
async function sendFile(outgoing: http.ClientRequest, filePath: string): Promise<void> {
  let file: FileHandle | undefined;
  try {
    file = await open(filePath, 'r');
    const chunk = Buffer.alloc(FILE_CHUNK_SIZE);
    for (;;) {
      const { bytesRead } = await file.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) {
        break;
      }
      await new Promise<void>((resolve, reject) => {
        outgoing.write(chunk.subarray(0, bytesRead), (error) => (error ? reject(error) : resolve()));
      });
    }
    outgoing.end();
  } catch (error) {
    // The request may have failed already (the engine closed it). The caller
    // then gets that failure, not this error.
    outgoing.destroy(readBodyFailed(error));
  } finally {
    await file?.close();
  }
}

/**
 * Sends requests to the Engine API over a unix socket or plain TCP.
 *
 * Over a unix socket, connections are not kept alive between requests. Node's
 * default agent keeps them, and after an engine restart the first request on
 * a kept connection fails with EPIPE, so the backend would not recover by
 * itself. A new connection to a local socket costs well under a millisecond.
 * Over TCP, Node's default agent is used, as before.
 */
export class EngineTransport {
  private readonly agent: http.Agent | undefined;

  constructor(readonly address: EngineAddress) {
    this.agent = address.kind === 'unix' ? new http.Agent({ keepAlive: false }) : undefined;
  }

  /** Sends a request and returns the parsed JSON body, or undefined for an empty body. */
  async json<T>(request: EngineRequest): Promise<T> {
    const response = await this.send(request);
    const text = await readBody(response, Number.MAX_SAFE_INTEGER);
    return (text.trim() === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Sends a request and drops the response body, for calls that return nothing the code reads. */
  async call(request: EngineRequest): Promise<void> {
    const response = await this.send(request);
    response.resume();
    await new Promise<void>((resolve, reject) => {
      response.once('end', resolve);
      response.once('error', reject);
    });
  }

  /**
   * Sends a request and returns the response once its status is 2xx, for the
   * caller to read as a stream. The caller must consume or destroy it.
   */
  async stream(request: EngineRequest): Promise<http.IncomingMessage> {
    return this.send(request);
  }

  /**
   * Sends a request with an upgrade to a raw connection, as the Docker CLI
   * sends POST /exec/{id}/start to attach to a process, and returns that
   * connection. The engine closes it when the process ends.
   */
  upgrade(request: EngineRequest): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const outgoing = this.open({ ...request, headers: { ...request.headers, Connection: 'Upgrade', Upgrade: 'tcp' } });
      outgoing.once('upgrade', (_response, socket, head) => {
        if (head.length > 0) {
          socket.unshift(head);
        }
        resolve(socket);
      });
      outgoing.once('response', (response) => {
        // The engine sends a normal response, without upgrading, when the request fails.
        this.rejectWithBody(request, response, reject);
      });
      outgoing.on('error', reject);
      this.writeBody(outgoing, request);
    });
  }

  private send(request: EngineRequest): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const outgoing = this.open(request);
      outgoing.once('response', (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve(response);
          return;
        }
        this.rejectWithBody(request, response, reject);
      });
      outgoing.on('error', reject);
      this.writeBody(outgoing, request);
    });
  }

  private open(request: EngineRequest): http.ClientRequest {
    const headers: Record<string, string> = { ...request.headers };
    if (request.json !== undefined) {
      headers['Content-Type'] = 'application/json';
    } else if (request.tar !== undefined) {
      headers['Content-Type'] = 'application/x-tar';
    }
    const target = this.address.kind === 'unix' ? { socketPath: this.address.socketPath } : { host: this.address.host, port: this.address.port };
    return http.request({
      ...target,
      path: `${request.path}${buildQuery(request.query)}`,
      method: request.method,
      headers,
      ...(this.agent === undefined ? {} : { agent: this.agent }),
    });
  }

  private writeBody(outgoing: http.ClientRequest, request: EngineRequest): void {
    if (request.json !== undefined) {
      outgoing.end(JSON.stringify(request.json));
      return;
    }
    const tar = request.tar;
    if (tar === undefined) {
      outgoing.end();
      return;
    }
    if (Buffer.isBuffer(tar)) {
      outgoing.end(tar);
      return;
    }
    if (!(tar instanceof Readable)) {
      void sendFile(outgoing, tar.filePath);
      return;
    }
    // A failing source (a missing file, for example) aborts the request, so
    // the caller sees that error instead of a half-sent upload. The error is
    // wrapped because its code (ENOENT, for example) would otherwise read as
    // an unreachable engine in fromEngineError.
    tar.once('error', (error) => outgoing.destroy(readBodyFailed(error)));
    // An engine that rejects the request early closes the connection, and
    // the source must not stay open then.
    outgoing.once('close', () => {
      if (!tar.readableEnded) {
        tar.destroy();
      }
    });
    tar.pipe(outgoing);
  }

  private rejectWithBody(request: EngineRequest, response: http.IncomingMessage, reject: (error: Error) => void): void {
    const status = response.statusCode ?? 0;
    readBody(response, ERROR_BODY_MAX_BYTES).then(
      (body) => reject(new EngineApiError(status, errorMessageFromBody(status, body), `${request.method} ${request.path}`)),
      reject,
    );
  }
}
