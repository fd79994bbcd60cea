import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngineClient, Exec, type EngineClient } from './client.ts';
import { fromEngineError } from './engine-errors.ts';
import { readLogTail } from './streams.ts';
import { buildQuery, EngineApiError, errorMessageFromBody } from './transport.ts';
import { frame } from '../../test/rig/byte-fixtures.ts';

/** One request as the fake engine received it. */
interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

type Handler = (request: ReceivedRequest, response: http.ServerResponse) => void;

/** A fake Engine API on a unix socket: each test sets `handler`, and every request is recorded. */
class FakeEngine {
  readonly received: ReceivedRequest[] = [];
  handler: Handler = (_request, response) => response.end();
  /** Makes the engine respond before it reads the request body, as dockerd does for an unknown container. */
  respondBeforeBody = false;
  upgradeOutput: Buffer = Buffer.alloc(0);
  readonly server: http.Server;

  constructor() {
    this.server = http.createServer((incoming, response) => {
      if (this.respondBeforeBody) {
        const request = { method: incoming.method ?? '', url: incoming.url ?? '', headers: incoming.headers, body: Buffer.alloc(0) };
        this.received.push(request);
        this.handler(request, response);
        incoming.resume();
        return;
      }
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const request = { method: incoming.method ?? '', url: incoming.url ?? '', headers: incoming.headers, body: Buffer.concat(chunks) };
        this.received.push(request);
        this.handler(request, response);
      });
    });
    // Like dockerd for POST /exec/{id}/start: switch protocols, send the raw stream, close.
    this.server.on('upgrade', (incoming: http.IncomingMessage, socket: Socket) => {
      this.received.push({ method: incoming.method ?? '', url: incoming.url ?? '', headers: incoming.headers, body: Buffer.alloc(0) });
      socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
      socket.end(this.upgradeOutput);
    });
  }

  listen(target: string | number): Promise<void> {
    return new Promise((resolve) => {
      if (typeof target === 'string') {
        this.server.listen(target, resolve);
      } else {
        this.server.listen(target, '127.0.0.1', resolve);
      }
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function json(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}

let directory: string;
let engine: FakeEngine;
let client: EngineClient;

beforeAll(async () => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'arm-runner-client-'));
  engine = new FakeEngine();
  await engine.listen(path.join(directory, 'engine.sock'));
  client = createEngineClient({ socketPath: path.join(directory, 'engine.sock') });
});

afterAll(async () => {
  await engine.close();
  rmSync(directory, { recursive: true, force: true });
});

afterEach(() => {
  engine.received.length = 0;
});

describe('buildQuery', () => {
  it('encodes values, lists and filters', () => {
    const query = buildQuery({ all: true, tail: 20, skipped: undefined, changes: ['LABEL a=1', 'LABEL b=2'], filters: { label: ['x=y'] } });
    const parsed = new URLSearchParams(query.slice(1));
    expect(query.startsWith('?')).toBe(true);
    expect(parsed.get('all')).toBe('true');
    expect(parsed.get('tail')).toBe('20');
    expect(parsed.has('skipped')).toBe(false);
    expect(parsed.getAll('changes')).toEqual(['LABEL a=1', 'LABEL b=2']);
    expect(JSON.parse(parsed.get('filters') ?? '')).toEqual({ label: ['x=y'] });
  });

  it('returns empty text without values', () => {
    expect(buildQuery({ t: undefined })).toBe('');
  });
});

describe('errorMessageFromBody', () => {
  it('reads the message field', () => {
    expect(errorMessageFromBody(404, '{"message":"No such container: abc"}\n')).toBe('No such container: abc');
  });

  it('keeps plain text', () => {
    expect(errorMessageFromBody(502, 'Bad Gateway from proxy')).toBe('Bad Gateway from proxy');
  });

  it('names the status of an empty body', () => {
    expect(errorMessageFromBody(304, '')).toBe('HTTP 304 Not Modified');
  });
});

describe('EngineClient requests', () => {
  it('sends unversioned paths without keep-alive', async () => {
    engine.handler = (_request, response) => json(response, 200, { Version: '20.10.24', ApiVersion: '1.41' });
    expect(await client.version()).toEqual({ Version: '20.10.24', ApiVersion: '1.41' });
    expect(engine.received[0]?.url).toBe('/version');
    expect(engine.received[0]?.headers.connection).toBe('close');
  });

  it('encodes image references in the path', async () => {
    engine.handler = (_request, response) => json(response, 200, { Id: 'sha256:1', Os: 'linux', Architecture: 'arm', Config: {} });
    await client.getImage('registry.example:5000/team/app@sha256:abc').inspect();
    const url = engine.received[0]?.url ?? '';
    expect(url).toBe('/images/registry.example%3A5000%2Fteam%2Fapp%40sha256%3Aabc/json');
  });

  it('sends name and platform in the create query', async () => {
    engine.handler = (_request, response) => json(response, 201, { Id: 'c1', Warnings: [] });
    const container = await client.createContainer({ name: 'run-1', platform: 'linux/arm/v7', Image: 'img', Labels: { a: 'b' } });
    const request = engine.received[0];
    expect(container.id).toBe('c1');
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/containers/create?name=run-1&platform=linux%2Farm%2Fv7');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body.toString() ?? '')).toEqual({ Image: 'img', Labels: { a: 'b' } });
  });

  it('sends the commit changes one parameter each', async () => {
    engine.handler = (_request, response) => json(response, 201, { Id: 'sha256:2' });
    const committed = await client.getContainer('c1').commit({ repo: 'r', tag: 't', changes: ['LABEL a="1"', 'LABEL b="2"'], pause: false });
    const query = new URLSearchParams((engine.received[0]?.url ?? '').split('?')[1]);
    expect(committed.Id).toBe('sha256:2');
    expect(query.get('container')).toBe('c1');
    expect(query.getAll('changes')).toEqual(['LABEL a="1"', 'LABEL b="2"']);
    expect(query.get('pause')).toBe('false');
  });

  it('uploads a tar stream', async () => {
    engine.handler = (_request, response) => response.end();
    await client.getContainer('c1').putArchive(Readable.from([Buffer.from('part one '), Buffer.from('part two')]), { path: '/' });
    const request = engine.received[0];
    expect(request?.method).toBe('PUT');
    expect(request?.url).toBe('/containers/c1/archive?path=%2F');
    expect(request?.headers['content-type']).toBe('application/x-tar');
    expect(request?.body.toString()).toBe('part one part two');
  });

  it('uploads a file through one buffer', async () => {
    engine.handler = (_request, response) => response.end();
    const content = Buffer.alloc(300_000);
    for (let index = 0; index < content.length; index += 1) {
      content[index] = index % 253;
    }
    const filePath = path.join(directory, 'upload.tar');
    writeFileSync(filePath, content);
    await client.getContainer('c1').putArchive({ filePath }, { path: '/' });
    expect(engine.received[0]?.headers['content-type']).toBe('application/x-tar');
    expect(engine.received[0]?.body.equals(content)).toBe(true);
  });

  it('rejects a missing upload file', async () => {
    engine.handler = (_request, response) => response.end();
    const error: unknown = await client
      .loadImage({ filePath: path.join(directory, 'absent.tar') })
      .catch((caught: unknown) => caught);
    expect((error as Error).message).toContain('Reading the request body failed: ENOENT');
    expect(fromEngineError(error, 'load the image').code).toBe('ENGINE_ERROR');
  });

  it('rejects when the upload source fails', async () => {
    engine.handler = (_request, response) => response.end();
    const failing = new Readable({
      read() {
        this.destroy(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' }));
      },
    });
    const error: unknown = await client.getContainer('c1').putArchive(failing, { path: '/' }).catch((caught: unknown) => caught);
    expect((error as Error).message).toBe('Reading the request body failed: ENOENT: no such file');
    expect(fromEngineError(error, 'upload the archive').code).toBe('ENGINE_ERROR');
  });
});

describe('EngineClient errors', () => {
  it('closes the upload source on an early error', async () => {
    engine.respondBeforeBody = true;
    engine.handler = (_request, response) => json(response, 404, { message: 'No such container: gone' });
    const endless = new Readable({
      read() {
        setTimeout(() => this.push(Buffer.alloc(1024)), 1);
      },
    });
    try {
      // Depending on timing, the 404 arrives first or the next write fails with EPIPE.
      const error: unknown = await client.getContainer('gone').putArchive(endless, { path: '/' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Error);
      expect([404, 'EPIPE', 'ECONNRESET']).toContain((error as { statusCode?: number }).statusCode ?? (error as { code?: string }).code);
      for (let attempt = 0; attempt < 50 && !endless.destroyed; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(endless.destroyed).toBe(true);
    } finally {
      engine.respondBeforeBody = false;
    }
  });

  it('carries status and engine message', async () => {
    engine.handler = (_request, response) => json(response, 404, { message: 'No such container: gone' });
    const error: unknown = await client.getContainer('gone').inspect().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EngineApiError);
    expect((error as EngineApiError).statusCode).toBe(404);
    expect((error as EngineApiError).message).toBe('No such container: gone');
    expect((error as EngineApiError).request).toBe('GET /containers/gone/json');
  });

  it('maps a busy port through fromEngineError', async () => {
    engine.handler = (_request, response) =>
      json(response, 500, { message: 'driver failed programming external connectivity: Bind for 127.0.0.1:8080 failed: port is already allocated' });
    const error: unknown = await client.getContainer('c1').start().catch((caught: unknown) => caught);
    const mapped = fromEngineError(error, 'start the run');
    expect(mapped.code).toBe('PORT_BUSY');
    expect(mapped.message).toContain('Host port 8080');
    expect(mapped.detail).toContain('port is already allocated');
  });

  it('reports 304 of a stopped container', async () => {
    engine.handler = (_request, response) => {
      response.writeHead(304);
      response.end();
    };
    await expect(client.getContainer('c1').stop({ t: 3 })).rejects.toMatchObject({ statusCode: 304 });
    expect(engine.received[0]?.url).toBe('/containers/c1/stop?t=3');
  });

  it('maps a missing socket to unreachable', async () => {
    const absent = createEngineClient({ socketPath: path.join(directory, 'absent.sock') });
    const error: unknown = await absent.ping().catch((caught: unknown) => caught);
    expect((error as { code?: string }).code).toBe('ENOENT');
    expect(fromEngineError(error, 'ping it').code).toBe('ENGINE_UNREACHABLE');
  });
});

describe('EngineClient streams', () => {
  it('streams logs and keeps the tail', async () => {
    const output = Buffer.concat([frame(1, 'first line\n'), frame(2, 'second line\n'), frame(1, 'third line\n')]);
    engine.handler = (_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/vnd.docker.raw-stream' });
      // Chunks that split headers and payloads, as a socket may deliver them.
      for (let offset = 0; offset < output.length; offset += 5) {
        response.write(output.subarray(offset, offset + 5));
      }
      response.end();
    };
    const tail = await readLogTail(client.getContainer('c1'), 50, 16);
    const query = new URLSearchParams((engine.received[0]?.url ?? '').split('?')[1]);
    expect(tail).toEqual({ text: 'line\nthird line\n', truncated: true });
    expect(query.get('tail')).toBe('50');
    expect(query.get('follow')).toBe('false');
  });

  it('attaches to an exec through an upgrade', async () => {
    engine.upgradeOutput = Buffer.concat([frame(1, 'armv7l\n'), frame(2, 'warning\n')]);
    const chunks: Buffer[] = [];
    const output = await new Exec(client.transport, 'e1').start();
    for await (const chunk of output as AsyncIterable<Buffer>) {
      chunks.push(chunk);
    }
    const request = engine.received[0];
    expect(request?.url).toBe('/exec/e1/start');
    expect(request?.headers.upgrade).toBe('tcp');
    expect(Buffer.concat(chunks)).toEqual(engine.upgradeOutput);
  });
});

describe('createEngineClient over TCP', () => {
  let tcpEngine: FakeEngine;
  const savedHost = process.env.DOCKER_HOST;

  beforeAll(async () => {
    tcpEngine = new FakeEngine();
    tcpEngine.handler = (_request, response) => response.end('OK');
    await tcpEngine.listen(0);
  });

  afterAll(async () => {
    if (savedHost === undefined) {
      delete process.env.DOCKER_HOST;
    } else {
      process.env.DOCKER_HOST = savedHost;
    }
    await tcpEngine.close();
  });

  it('reaches a tcp DOCKER_HOST', async () => {
    process.env.DOCKER_HOST = `tcp://127.0.0.1:${(tcpEngine.server.address() as AddressInfo).port}`;
    await createEngineClient().ping();
    expect(tcpEngine.received.map((request) => request.url)).toEqual(['/_ping']);
  });

  it('rejects an ssh DOCKER_HOST at creation', () => {
    process.env.DOCKER_HOST = 'ssh://user@engine.example';
    expect(() => createEngineClient()).toThrow(/uses SSH/);
  });
});
