import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { HttpReply } from '../http/app.ts';
import { createApp, registerApiRoutes, type App } from '../http/server.ts';
import { logger } from '../log.ts';
import type { Services } from '../services.ts';
import { installDesktopShim } from './desktop-shim.ts';

const TOKEN_HEADER = 'x-arm-runner-token';

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export interface StandaloneOptions {
  /** The built UI (ui/dist). */
  uiDirectory: string;
  /** 0 picks a free port. */
  port: number;
  /** A fixed token for tests; a random one is made when omitted. */
  token?: string;
}

export interface StandaloneServer {
  app: App;
  /** The URL to open, with the token in its fragment. */
  url: string;
  origin: string;
  token: string;
}

function tokensMatch(given: string | undefined, expected: string): boolean {
  if (given === undefined || given.length !== expected.length) {
    return false;
  }
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

/**
 * Serves the built UI and the API on 127.0.0.1 for use in a normal browser.
 * The API needs the per-start token on every call. Requests whose Host is
 * not this server's loopback address are rejected, so that a DNS-rebound name
 * cannot reach it, and so are API calls from another Origin.
 */
export async function startStandaloneServer(services: Services, options: StandaloneOptions): Promise<StandaloneServer> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const app = createApp();
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();

  app.setGuard((request) => {
    if (!allowedHosts.has(request.headers.host ?? '')) {
      logger.warn({ event: 'standalone.host-rejected', host: request.headers.host }, 'rejected a request for another host');
      return HttpReply.json(403, { code: 'INVALID_REQUEST', message: 'This server accepts requests only for its loopback address. Open the URL that "npm start" printed.' });
    }
    if (!request.url.startsWith('/api/')) {
      return undefined;
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin)) {
      logger.warn({ event: 'standalone.origin-rejected', origin }, 'rejected an API call from another origin');
      return HttpReply.json(403, { code: 'INVALID_REQUEST', message: 'API calls from other origins are not allowed.' });
    }
    const requestToken = request.headers[TOKEN_HEADER];
    if (!tokensMatch(typeof requestToken === 'string' ? requestToken : undefined, token)) {
      return HttpReply.json(401, { code: 'UNAUTHORIZED', message: 'Missing or wrong token. Open the full URL that "npm start" printed, including #token=.' });
    }
    return undefined;
  });

  registerApiRoutes(app, services, '/api');

  const indexHtml = await readFile(path.join(options.uiDirectory, 'index.html'), 'utf8').catch(() => {
    throw new Error(`The UI is not built: ${options.uiDirectory}/index.html is missing. Run "npm run build" first.`);
  });
  // The shim must run before the UI bundle, which reads ddClient and the theme globals at start.
  const page = indexHtml.replace('<head>', '<head>\n    <script src="./standalone/desktop-shim.js"></script>');
  const shimSource = `(${installDesktopShim.toString()})();\n`;

  const notFound = HttpReply.json(404, { code: 'INVALID_REQUEST', message: 'Not found.' });
  app.get('/', () => HttpReply.content(200, page, 'text/html; charset=utf-8', { 'cache-control': 'no-store' }));
  app.get('/standalone/desktop-shim.js', () => HttpReply.content(200, shimSource, CONTENT_TYPES['.js'] ?? ''));
  app.get('/assets/*', async (request) => {
    const assetsDirectory = path.join(options.uiDirectory, 'assets');
    const requested = path.resolve(assetsDirectory, request.params['*'] ?? '');
    if (!requested.startsWith(assetsDirectory + path.sep)) {
      return notFound;
    }
    try {
      const content = await readFile(requested);
      return HttpReply.content(200, content, CONTENT_TYPES[path.extname(requested)] ?? 'application/octet-stream');
    } catch {
      return notFound;
    }
  });

  await app.listen({ host: '127.0.0.1', port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const origin = `http://127.0.0.1:${port}`;
  allowedOrigins = new Set([origin, `http://localhost:${port}`]);

  return { app, url: `${origin}/#token=${token}`, origin, token };
}
