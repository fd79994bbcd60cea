import { existsSync, unlinkSync } from 'node:fs';
import {
  AugmentRequestSchema,
  CleanupRequestSchema,
  HandlerInstallRequestSchema,
  HandlerParamsSchema,
  IdParamsSchema,
  LogsQuerySchema,
  PullRequestSchema,
  ROUTES,
  RunRequestSchema,
  StatusQuerySchema,
} from '@arm-runner/contract';
import { ArmRunnerError } from '../errors.ts';
import { applyCleanup, planCleanup } from '../cleanup/cleanup.ts';
import { resolveSourceImage } from '../augment/source-image.ts';
import { parseFlags } from '../emulation/handler-registrar.ts';
import { listArmImages } from '../images/image-catalog.ts';
import { layerStatusPrinter, pullPlatform } from '../images/platform-pull.ts';
import { parseImageReference } from '../augment/reference.ts';
import { parsePlatform } from '../emulation/platform.ts';
import { ensureSampleImage } from '../sample/sample-image.ts';
import { parseOrThrow } from '../validation.ts';
import type { Services } from '../services.ts';
import { HttpApp, HttpReply } from './app.ts';

// Request bodies are small JSON objects. The limit stops a client from making
// the backend buffer large bodies in memory.
const BODY_LIMIT_BYTES = 64 * 1024;

/** Creates the HTTP app with the product's error shape for every failure. */
export function createApp(): HttpApp {
  return new HttpApp({ bodyLimit: BODY_LIMIT_BYTES });
}

export type App = HttpApp;

/**
 * Registers the API routes over the shared contract, each path behind
 * `prefix`. Every body and parameter is validated here.
 */
export function registerApiRoutes(app: App, services: Services, prefix = ''): void {
  app.get(`${prefix}${ROUTES.status}`, async (request) => {
    const { refresh } = parseOrThrow(StatusQuerySchema, request.query, 'status query');
    return services.status.status({ refresh: refresh === 'true' });
  });

  app.post(`${prefix}${ROUTES.runs}`, (request) => {
    const body = parseOrThrow(RunRequestSchema, request.body, 'run request');
    // Malformed input fails with 400 here instead of as a failed task.
    parseImageReference(body.image);
    if (body.platform !== undefined) {
      parsePlatform(body.platform);
    }
    const task = services.tasks.start('run', (context) => services.runs.start(body, (step) => context.step(step), (url) => context.endpoint(url)));
    return HttpReply.json(202, { taskId: task.id });
  });

  app.post(`${prefix}${ROUTES.augmentedImages}`, (request) => {
    const body = parseOrThrow(AugmentRequestSchema, request.body, 'augment request');
    const task = services.tasks.start('augment', async (context) => {
      const engine = await services.status.engine();
      const source = await resolveSourceImage(services.docker, body.image, body.platform, engine.architecture);
      return services.augmenter.ensure(source, (step) => context.step(step));
    });
    return HttpReply.json(202, { taskId: task.id });
  });

  app.get(`${prefix}/tasks/:id`, (request) => {
    const { id } = parseOrThrow(IdParamsSchema, request.params, 'task id');
    const task = services.tasks.get(id);
    if (task === undefined) {
      throw new ArmRunnerError('TASK_NOT_FOUND', `Task ${id} was not found. Tasks are kept in memory, so a backend restart interrupts them: a run the task had started is in the runs list, and anything else can be started again.`);
    }
    return task;
  });

  app.get(`${prefix}${ROUTES.images}`, async () => listArmImages(services.docker, (await services.status.engine()).architecture));

  app.post(`${prefix}${ROUTES.cleanupPlan}`, async (request) => {
    const body = parseOrThrow(CleanupRequestSchema, request.body, 'cleanup request');
    return planCleanup(services.docker, body);
  });

  app.post(`${prefix}${ROUTES.cleanup}`, async (request) => {
    const body = parseOrThrow(CleanupRequestSchema, request.body, 'cleanup request');
    return applyCleanup(services.docker, await planCleanup(services.docker, body));
  });

  app.post(`${prefix}${ROUTES.imageCheck}`, async (request) => {
    const body = parseOrThrow(AugmentRequestSchema, request.body, 'image check request');
    return services.runs.check(body.image, body.platform);
  });

  app.post(`${prefix}${ROUTES.imagePull}`, (request) => {
    const body = parseOrThrow(PullRequestSchema, request.body, 'pull request');
    // Malformed input fails with 400 here instead of as a failed task.
    parseImageReference(body.image);
    parsePlatform(body.platform);
    const task = services.tasks.start('pull', (context) =>
      pullPlatform(services.docker, body.image, body.platform, { onProgress: layerStatusPrinter((line) => context.step(line)) }),
    );
    return HttpReply.json(202, { taskId: task.id });
  });

  app.post(`${prefix}${ROUTES.sample}`, () => {
    const task = services.tasks.start('run', async (context) => {
      context.step('Loading the sample image');
      const image = await ensureSampleImage(services.docker, services.sampleArchivePath);
      return services.runs.start(RunRequestSchema.parse({ image }), (step) => context.step(step), (url) => context.endpoint(url));
    });
    return HttpReply.json(202, { taskId: task.id });
  });

  app.post(`${prefix}${ROUTES.handlers}`, async (request) => {
    const body = parseOrThrow(HandlerInstallRequestSchema, request.body, 'handler request');
    return services.handlers.install(body.arches, parseFlags(body.flags));
  });

  app.delete(`${prefix}${ROUTES.handlers}/:arch`, async (request) => {
    const { arch } = parseOrThrow(HandlerParamsSchema, request.params, 'handler');
    return services.handlers.remove([arch]);
  });

  app.get(`${prefix}${ROUTES.runs}`, async () => services.runs.list());

  app.get(`${prefix}/runs/:id`, async (request) => {
    const { id } = parseOrThrow(IdParamsSchema, request.params, 'run id');
    return services.runs.get(id);
  });

  app.get(`${prefix}/runs/:id/logs`, async (request) => {
    const { id } = parseOrThrow(IdParamsSchema, request.params, 'run id');
    const { tail } = parseOrThrow(LogsQuerySchema, request.query, 'logs query');
    const logs = await services.runs.logs(id, tail);
    return { logs: logs.text, truncated: logs.truncated };
  });

  app.post(`${prefix}/runs/:id/stop`, async (request) => {
    const { id } = parseOrThrow(IdParamsSchema, request.params, 'run id');
    return services.runs.stop(id);
  });

  app.delete(`${prefix}/runs/:id`, async (request) => {
    const { id } = parseOrThrow(IdParamsSchema, request.params, 'run id');
    return services.runs.remove(id);
  });
}

/** Builds the API server for Docker Desktop: the routes at the root of a unix socket. */
export function buildServer(services: Services): App {
  const app = createApp();
  registerApiRoutes(app, services);
  return app;
}

export type ListenTarget = { socketPath: string } | { host: string; port: number };

/** Listens on a unix socket (Docker Desktop mode) or a loopback TCP port (standalone mode). */
export async function listen(app: App, target: ListenTarget): Promise<string> {
  if ('socketPath' in target) {
    // A socket file left by a previous backend makes listen fail with EADDRINUSE.
    if (existsSync(target.socketPath)) {
      unlinkSync(target.socketPath);
    }
    await app.listen({ path: target.socketPath });
    return `unix:${target.socketPath}`;
  }
  await app.listen({ host: target.host, port: target.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : target.port;
  return `http://${target.host}:${port}`;
}
