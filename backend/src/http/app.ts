import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ApiError } from '@arm-runner/contract';
import { ArmRunnerError, toArmRunnerError } from '../errors.ts';
import { logger } from '../log.ts';
import { parseBody, readRawBody, RequestError } from './body.ts';
import { MalformedPathError, Router, type RouteParams } from './router.ts';

export type Query = Record<string, string | string[]>;

/** The part of a request that a guard checks: the request line and headers, before the body is read. */
export interface RequestHead {
  method: string;
  /** The path and query as sent. */
  url: string;
  headers: IncomingHttpHeaders;
}

export interface HttpRequest extends RequestHead {
  params: RouteParams;
  /** Query parameters; a repeated name gives an array. */
  query: Query;
  /** The parsed body: JSON, text for text/plain, or undefined without a body. */
  body: unknown;
}

/** A reply with its status, headers and body. A handler may return one instead of a JSON value. */
export class HttpReply {
  constructor(
    readonly statusCode: number,
    readonly body: string | Buffer,
    readonly headers: Record<string, string>,
  ) {}

  static json(statusCode: number, value: unknown): HttpReply {
    // JSON.stringify returns undefined for undefined, which becomes an empty body.
    return new HttpReply(statusCode, JSON.stringify(value) ?? '', { 'content-type': 'application/json; charset=utf-8' });
  }

  static content(statusCode: number, body: string | Buffer, contentType: string, headers: Record<string, string> = {}): HttpReply {
    return new HttpReply(statusCode, body, { ...headers, 'content-type': contentType });
  }
}

export type RouteHandler = (request: HttpRequest) => unknown;

/** Runs before routing and before the body is read. A reply ends the request there. */
export type RequestGuard = (request: RequestHead) => HttpReply | undefined;

export type ListenOptions = { path: string } | { host: string; port: number };

/** Turns a failed listen into an error that names the address and what to change. */
export function listenError(error: Error, options: ListenOptions): Error {
  const code = (error as { code?: string }).code;
  const reason = error.message;
  if ('path' in options) {
    if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') {
      return new ArmRunnerError(
        'INVALID_REQUEST',
        `Cannot create the socket ${options.path}: its folder is missing or not writable. Give a path in a folder that exists and that this user may write to.`,
        reason,
      );
    }
    return error;
  }
  if (code === 'EADDRINUSE') {
    return new ArmRunnerError('PORT_BUSY', `Port ${options.port} on ${options.host} is already in use by another program. Choose another port, or 0 for a free one.`, reason);
  }
  if (code === 'EACCES') {
    return new ArmRunnerError('INVALID_PORT', `Port ${options.port} on ${options.host} needs more privileges than this user has. Choose a port of 1024 or more, or 0 for a free one.`, reason);
  }
  return error;
}

export interface HttpAppOptions {
  /** Largest request body in bytes. A larger one gets 413. */
  bodyLimit: number;
}

// Longer than the 60 s idle timeout that HTTP clients and proxies commonly
// use, so that the client closes an idle connection first and never sends a
// request on a connection that the server is closing.
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

function parseQuery(text: string): Query {
  // No prototype, so that a parameter named __proto__ is an ordinary key.
  const query = Object.create(null) as Query;
  for (const [name, value] of new URLSearchParams(text)) {
    const existing = query[name];
    if (existing === undefined) {
      query[name] = value;
    } else if (Array.isArray(existing)) {
      existing.push(value);
    } else {
      query[name] = [existing, value];
    }
  }
  return query;
}

/** Turns a failure into the product's error shape. Unexpected errors are logged and sent without detail. */
function errorReply(error: unknown): HttpReply {
  if (error instanceof RequestError) {
    const body: ApiError = { code: 'INVALID_REQUEST', message: error.message };
    return HttpReply.json(error.statusCode, body);
  }
  if (error instanceof MalformedPathError) {
    const body: ApiError = { code: 'INVALID_REQUEST', message: `${error.message} Encode each path segment with encodeURIComponent.` };
    return HttpReply.json(400, body);
  }
  const armError = toArmRunnerError(error);
  const body: ApiError = armError.toApiError();
  if (armError.code === 'INTERNAL') {
    logger.error({ event: 'http.internal-error', err: error }, 'request failed unexpectedly');
    delete body.detail;
  }
  return HttpReply.json(armError.httpStatus, body);
}

function send(response: ServerResponse, reply: HttpReply): void {
  if (response.headersSent) {
    return;
  }
  response.statusCode = reply.statusCode;
  for (const [name, value] of Object.entries(reply.headers)) {
    response.setHeader(name, value);
  }
  if (reply.statusCode === 413) {
    // The unread rest of the body would otherwise be read as the next request.
    response.setHeader('connection', 'close');
  }
  response.setHeader('content-length', Buffer.byteLength(reply.body));
  // Node.js leaves the body out of a reply to HEAD.
  response.end(reply.body);
}

/**
 * A JSON API server on node:http: a route table, JSON bodies up to a size
 * limit, query parsing, an optional guard, and the product's error shape
 * for every failure, unknown routes included.
 */
export class HttpApp {
  readonly server: http.Server;
  private readonly router = new Router<RouteHandler>();
  private guard: RequestGuard | undefined;

  constructor(private readonly options: HttpAppOptions) {
    this.server = http.createServer((request, response) => {
      void this.handle(request, response);
    });
    this.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  }

  get(pattern: string, handler: RouteHandler): void {
    this.router.add('GET', pattern, handler);
  }

  post(pattern: string, handler: RouteHandler): void {
    this.router.add('POST', pattern, handler);
  }

  delete(pattern: string, handler: RouteHandler): void {
    this.router.add('DELETE', pattern, handler);
  }

  setGuard(guard: RequestGuard): void {
    this.guard = guard;
  }

  /** Listens on a unix socket path or a TCP host and port. On failure the error names what to change. */
  listen(options: ListenOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', (error) => reject(listenError(error, options)));
      this.server.listen(options, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops accepting connections, closes idle ones and waits for open requests to finish. */
  close(): Promise<void> {
    if (!this.server.listening) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.server.close((error) => (error === undefined ? resolve() : reject(error)));
      this.server.closeIdleConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      send(response, await this.dispatch(request));
    } catch (error) {
      send(response, errorReply(error));
    }
  }

  private async dispatch(request: IncomingMessage): Promise<HttpReply> {
    const method = request.method ?? 'GET';
    const url = request.url ?? '/';
    const head: RequestHead = { method, url, headers: request.headers };

    const rejected = this.guard?.(head);
    if (rejected !== undefined) {
      return rejected;
    }

    const queryStart = url.indexOf('?');
    const path = queryStart === -1 ? url : url.slice(0, queryStart);
    const match = this.router.match(method, path);
    if (match === undefined) {
      const body: ApiError = { code: 'INVALID_REQUEST', message: `There is no route ${method} ${url}. See docs/api.md.` };
      return HttpReply.json(404, body);
    }

    // GET and HEAD bodies carry no meaning, so they are not read.
    const hasBody = method !== 'GET' && method !== 'HEAD';
    const body = hasBody ? parseBody(request.headers['content-type'], await readRawBody(request, this.options.bodyLimit)) : undefined;
    const query = parseQuery(queryStart === -1 ? '' : url.slice(queryStart + 1));

    const result = await match.handler({ ...head, params: match.params, query, body });
    return result instanceof HttpReply ? result : HttpReply.json(200, result);
  }
}
