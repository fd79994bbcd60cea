import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmRunnerError } from '../errors.ts';
import { HttpApp, HttpReply, type HttpRequest } from './app.ts';

const BODY_LIMIT = 64 * 1024;

interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

let directory: string;
let socketPath: string;
let app: HttpApp;
let guardedPaths: string[] = [];

/** Sends one request with full control of its headers and body bytes. */
function send(method: string, url: string, options: { headers?: Record<string, string>; body?: string | Buffer; chunks?: Buffer[] } = {}): Promise<RawReply> {
  const headers = { ...options.headers };
  // Node.js sends a GET or DELETE body without framing unless a length is given.
  if (options.body !== undefined && headers['content-length'] === undefined) {
    headers['content-length'] = String(Buffer.byteLength(options.body));
  }
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath, path: url, method, headers }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (chunk: Buffer) => parts.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(parts).toString('utf8') }));
    });
    request.on('error', reject);
    for (const chunk of options.chunks ?? []) {
      request.write(chunk);
    }
    request.end(options.body);
  });
}

function fields(reply: RawReply): Record<string, unknown> {
  return JSON.parse(reply.text) as Record<string, unknown>;
}

function json(body: unknown): { headers: Record<string, string>; body: string } {
  return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function echo(request: HttpRequest): unknown {
  return { params: request.params, query: request.query, body: request.body === undefined ? 'no body' : request.body };
}

beforeAll(async () => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'arm-runner-http-'));
  socketPath = path.join(directory, 'test.sock');
  app = new HttpApp({ bodyLimit: BODY_LIMIT });
  app.setGuard((request) => {
    guardedPaths.push(request.url);
    return request.url.startsWith('/guarded') ? HttpReply.json(403, { code: 'INVALID_REQUEST', message: 'Guarded.' }) : undefined;
  });
  app.get('/items/:id', echo);
  app.post('/items', echo);
  app.delete('/items/:id', echo);
  app.post('/guarded', echo);
  app.post('/accepted', () => HttpReply.json(202, { taskId: 't1' }));
  app.get('/page', () => HttpReply.content(200, '<p>hi</p>', 'text/html; charset=utf-8', { 'cache-control': 'no-store' }));
  app.get('/expected-failure', () => {
    throw new ArmRunnerError('RUN_NOT_FOUND', 'No run matches "x".', 'engine text');
  });
  app.get('/unexpected-failure', () => {
    throw new Error('secret internal detail');
  });
  app.get('/async-failure', async () => {
    await Promise.resolve();
    throw new ArmRunnerError('ENGINE_UNREACHABLE', 'The engine is down.');
  });
  await app.listen({ path: socketPath });
});

afterAll(async () => {
  await app.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('HttpApp routing', () => {
  it('sends a handler result as JSON with 200', async () => {
    const reply = await send('GET', '/items/a%20b?x=1');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(reply.text)).toEqual({ params: { id: 'a b' }, query: { x: '1' }, body: 'no body' });
  });

  it('sends a reply with its own status and headers', async () => {
    const accepted = await send('POST', '/accepted');
    expect(accepted.status).toBe(202);
    expect(JSON.parse(accepted.text)).toEqual({ taskId: 't1' });

    const page = await send('GET', '/page');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toBe('<p>hi</p>');
  });

  it('answers an unknown route with 404 and the route', async () => {
    const reply = await send('GET', '/nowhere?x=1');
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.text)).toEqual({ code: 'INVALID_REQUEST', message: 'There is no route GET /nowhere?x=1. See docs/api.md.' });
  });

  it('answers a known path with another method with 404', async () => {
    const reply = await send('PUT', '/items');
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.text)).toMatchObject({ message: 'There is no route PUT /items. See docs/api.md.' });
  });

  it('answers HEAD without a body', async () => {
    const reply = await send('HEAD', '/items/1');
    expect(reply.status).toBe(200);
    expect(Number(reply.headers['content-length'])).toBeGreaterThan(0);
    expect(reply.text).toBe('');
  });

  it('rejects a malformed path with 400', async () => {
    const reply = await send('GET', '/items/a%zz');
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.text)).toMatchObject({ code: 'INVALID_REQUEST' });
    expect(fields(reply).message).toContain('/items/a%zz');
  });
});

describe('HttpApp query', () => {
  it('gives an array for a repeated name', async () => {
    const reply = await send('GET', '/items/1?tail=1&tail=2&refresh=true&empty=&space=a+b');
    expect(fields(reply).query).toEqual({ tail: ['1', '2'], refresh: 'true', empty: '', space: 'a b' });
  });

  it('keeps __proto__ as an ordinary name', async () => {
    const reply = await send('GET', '/items/1?__proto__=x');
    expect(fields(reply).query).toEqual({ ['__proto__']: 'x' });
  });
});

describe('HttpApp bodies', () => {
  it('parses a JSON body', async () => {
    const reply = await send('POST', '/items', json({ image: 'busybox', publish: [] }));
    expect(fields(reply).body).toEqual({ image: 'busybox', publish: [] });
  });

  it('accepts a content-type with parameters in any case', async () => {
    const reply = await send('POST', '/items', { headers: { 'content-type': 'Application/JSON; charset=utf-8' }, body: '{"a":1}' });
    expect(fields(reply).body).toEqual({ a: 1 });
  });

  it('reads a DELETE body too', async () => {
    const reply = await send('DELETE', '/items/1', json({ force: true }));
    expect(fields(reply).body).toEqual({ force: true });
  });

  it('gives no body for an empty request without a content-type', async () => {
    const reply = await send('POST', '/items');
    expect(fields(reply).body).toBe('no body');
  });

  it('gives text/plain as a string', async () => {
    const reply = await send('POST', '/items', { headers: { 'content-type': 'text/plain' }, body: '{"a":1}' });
    expect(fields(reply).body).toBe('{"a":1}');
  });

  it('rejects invalid JSON with 400', async () => {
    const reply = await send('POST', '/items', { headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.text)).toMatchObject({ code: 'INVALID_REQUEST' });
    expect(fields(reply).message).toMatch(/^The request body is not valid JSON/);
  });

  it('rejects an empty JSON body with 400', async () => {
    const reply = await send('POST', '/items', { headers: { 'content-type': 'application/json', 'content-length': '0' } });
    expect(reply.status).toBe(400);
    expect(fields(reply).message).toContain('empty');
  });

  it('rejects keys that could change a prototype', async () => {
    for (const body of ['{"image":"busybox","__proto__":{"x":1}}', '{"a":{"constructor":{"prototype":{"x":1}}}}']) {
      const reply = await send('POST', '/items', { headers: { 'content-type': 'application/json' }, body });
      expect(reply.status, body).toBe(400);
      expect(fields(reply).code, body).toBe('INVALID_REQUEST');
    }
  });

  it('allows a constructor key without a prototype', async () => {
    const reply = await send('POST', '/items', json({ constructor: 'x' }));
    expect(reply.status).toBe(200);
  });

  it('rejects another content-type with 415', async () => {
    const typed = await send('POST', '/items', { headers: { 'content-type': 'application/octet-stream' }, body: 'x' });
    expect(typed.status).toBe(415);
    expect(JSON.parse(typed.text)).toMatchObject({ code: 'INVALID_REQUEST' });

    const untyped = await send('POST', '/items', { body: '{"a":1}' });
    expect(untyped.status).toBe(415);
  });

  it('accepts a body of exactly the limit', async () => {
    const body = `{"a":"${'x'.repeat(BODY_LIMIT - 8)}"}`;
    expect(Buffer.byteLength(body)).toBe(BODY_LIMIT);
    const reply = await send('POST', '/items', { headers: { 'content-type': 'application/json' }, body });
    expect(reply.status).toBe(200);
  });

  it('rejects a body one byte over the limit with 413', async () => {
    const body = `{"a":"${'x'.repeat(BODY_LIMIT - 7)}"}`;
    const reply = await send('POST', '/items', { headers: { 'content-type': 'application/json' }, body });
    expect(reply.status).toBe(413);
    expect(reply.headers.connection).toBe('close');
    expect(JSON.parse(reply.text)).toMatchObject({ code: 'INVALID_REQUEST' });
    expect(fields(reply).message).toContain(`larger than ${BODY_LIMIT} bytes`);
  });

  it('rejects a chunked body that grows past the limit with 413', async () => {
    const chunks = Array.from({ length: 20 }, () => Buffer.alloc(8 * 1024, 'a'));
    const reply = await send('POST', '/items', { headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, chunks });
    expect(reply.status).toBe(413);
  });

  it('ignores a GET body', async () => {
    const reply = await send('GET', '/items/1', { headers: { 'content-type': 'application/json' }, body: '{bad' });
    expect(reply.status).toBe(200);
    expect(fields(reply).body).toBe('no body');
  });
});

describe('HttpApp guard', () => {
  it('replies before the body is read', async () => {
    const reply = await send('POST', '/guarded', { headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect(reply.status).toBe(403);
    expect(JSON.parse(reply.text)).toEqual({ code: 'INVALID_REQUEST', message: 'Guarded.' });
  });

  it('sees unknown routes too', async () => {
    guardedPaths = [];
    await send('GET', '/unknown-route');
    expect(guardedPaths).toEqual(['/unknown-route']);
  });
});

describe('HttpApp errors', () => {
  it('sends a product error with its status and detail', async () => {
    const reply = await send('GET', '/expected-failure');
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.text)).toEqual({ code: 'RUN_NOT_FOUND', message: 'No run matches "x".', detail: 'engine text' });
  });

  it('sends an unexpected error as INTERNAL without detail', async () => {
    const reply = await send('GET', '/unexpected-failure');
    expect(reply.status).toBe(500);
    expect(JSON.parse(reply.text)).toEqual({ code: 'INTERNAL', message: 'ARM Runner failed unexpectedly. The backend log has the details.' });
    expect(reply.text).not.toContain('secret');
  });

  it('sends a rejected promise as its error', async () => {
    const reply = await send('GET', '/async-failure');
    expect(reply.status).toBe(503);
    expect(JSON.parse(reply.text)).toMatchObject({ code: 'ENGINE_UNREACHABLE' });
  });

  it('keeps serving after a failure', async () => {
    await send('GET', '/unexpected-failure');
    expect((await send('GET', '/items/1')).status).toBe(200);
  });
});

describe('HttpApp close', () => {
  it('resolves for an app that never listened', async () => {
    await expect(new HttpApp({ bodyLimit: 1 }).close()).resolves.toBeUndefined();
  });
});

describe('HttpApp listen', () => {
  it('names a busy port and the way out', async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const second = new HttpApp({ bodyLimit: BODY_LIMIT });
    try {
      const error: unknown = await second.listen({ host: '127.0.0.1', port }).then(
        () => new Error('listen succeeded on a busy port'),
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(ArmRunnerError);
      expect((error as ArmRunnerError).code).toBe('PORT_BUSY');
      expect((error as ArmRunnerError).message).toContain(`Port ${port} on 127.0.0.1 is already in use`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('names a socket folder that is missing', async () => {
    const missing = path.join(directory, 'no-such-folder', 'backend.sock');
    const error: unknown = await new HttpApp({ bodyLimit: BODY_LIMIT }).listen({ path: missing }).then(
      () => new Error('listen succeeded in a missing folder'),
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(ArmRunnerError);
    expect((error as ArmRunnerError).code).toBe('INVALID_REQUEST');
    expect((error as ArmRunnerError).message).toContain(missing);
  });
});
