import { existsSync, unlinkSync } from 'node:fs';
import Fastify, { LogController, type FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  AugmentRequestSchema,
  CleanupRequestSchema,
  HandlerInstallRequestSchema,
  LogsQuerySchema,
  PullRequestSchema,
  ROUTES,
  RunRequestSchema,
  StatusQuerySchema,
  type ApiError,
} from '@arm-runner/contract';
import { ArmRunnerError, toArmRunnerError } from '../errors.ts';
import { applyCleanup, planCleanup } from '../cleanup/cleanup.ts';
import { resolveSourceImage } from '../augment/source-image.ts';
import { parseFlags } from '../emulation/handler-registrar.ts';
import { listArmImages } from '../images/image-catalog.ts';
import { layerStatusPrinter, pullPlatform } from '../images/platform-pull.ts';
import { parseImageReference } from '../augment/reference.ts';
import { parsePlatform } from '../emulation/platform.ts';
import { ensureSampleImage } from '../sample/sample-image.ts';
import { logger } from '../log.ts';
import { parseOrThrow } from '../validation.ts';
import type { Services } from '../services.ts';

const HandlerParams = z.object({ arch: z.enum(['arm', 'aarch64']) }).strict();
const IdParams = z.object({ id: z.string().min(1).max(128) }).strict();

function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  const armError = toArmRunnerError(error);
  const body: ApiError = armError.toApiError();
  if (armError.code === 'INTERNAL') {
    logger.error({ event: 'http.internal-error', err: error }, 'request failed unexpectedly');
    delete body.detail;
  }
  return reply.code(armError.httpStatus).send(body);
}

/** Creates the fastify app with the product's error shape for every failure. */
export function createApp() {
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
  });

  app.setErrorHandler((error, _request, reply) => {
    const statusCode = (error as { statusCode?: number }).statusCode;
    if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
      return reply.code(statusCode).send({ code: 'INVALID_REQUEST', message: `The request is invalid: ${(error as Error).message}` });
    }
    return sendError(reply, error);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ code: 'INVALID_REQUEST', message: `There is no route ${request.method} ${request.url}. See docs/api.md.` }),
  );
  return app;
}

export type App = ReturnType<typeof createApp>;

/**
 * Registers the API routes over the shared contract, each path behind
 * `prefix`. Every body and parameter is validated here.
 */
export function registerApiRoutes(app: App, services: Services, prefix = ''): void {
  app.get(`${prefix}${ROUTES.status}`, async (request) => {
    const { refresh } = parseOrThrow(StatusQuerySchema, request.query, 'status query');
    return services.status.status({ refresh: refresh === 'true' });
  });

  app.post(`${prefix}${ROUTES.runs}`, async (request, reply) => {
    const body = parseOrThrow(RunRequestSchema, request.body, 'run request');
    const task = services.tasks.start('run', (context) => services.runs.start(body, (step) => context.step(step), (url) => context.endpoint(url)));
    return reply.code(202).send({ taskId: task.id });
  });

  app.post(`${prefix}${ROUTES.augmentedImages}`, async (request, reply) => {
    const body = parseOrThrow(AugmentRequestSchema, request.body, 'augment request');
    const task = services.tasks.start('augment', async (context) => {
      const engine = await services.status.engine();
      const source = await resolveSourceImage(services.docker, body.image, body.platform, engine.architecture);
      return services.augmenter.ensure(source, (step) => context.step(step));
    });
    return reply.code(202).send({ taskId: task.id });
  });

  app.get(`${prefix}/tasks/:id`, (request) => {
    const { id } = parseOrThrow(IdParams, request.params, 'task id');
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

  app.post(`${prefix}${ROUTES.imagePull}`, async (request, reply) => {
    const body = parseOrThrow(PullRequestSchema, request.body, 'pull request');
    // Malformed input fails with 400 here instead of as a failed task.
    parseImageReference(body.image);
    parsePlatform(body.platform);
    const task = services.tasks.start('pull', (context) =>
      pullPlatform(services.docker, body.image, body.platform, { onProgress: layerStatusPrinter((line) => context.step(line)) }),
    );
    return reply.code(202).send({ taskId: task.id });
  });

  app.post(`${prefix}${ROUTES.sample}`, async (_request, reply) => {
    const task = services.tasks.start('run', async (context) => {
      context.step('Loading the sample image');
      const image = await ensureSampleImage(services.docker, services.sampleArchivePath);
      return services.runs.start(RunRequestSchema.parse({ image }), (step) => context.step(step), (url) => context.endpoint(url));
    });
    return reply.code(202).send({ taskId: task.id });
  });

  app.post(`${prefix}${ROUTES.handlers}`, async (request) => {
    const body = parseOrThrow(HandlerInstallRequestSchema, request.body, 'handler request');
    return services.handlers.install(body.arches, parseFlags(body.flags));
  });

  app.delete(`${prefix}${ROUTES.handlers}/:arch`, async (request) => {
    const { arch } = parseOrThrow(HandlerParams, request.params, 'handler');
    return services.handlers.remove([arch]);
  });

  app.get(`${prefix}${ROUTES.runs}`, async () => services.runs.list());

  app.get(`${prefix}/runs/:id`, async (request) => {
    const { id } = parseOrThrow(IdParams, request.params, 'run id');
    return services.runs.get(id);
  });

  app.get(`${prefix}/runs/:id/logs`, async (request) => {
    const { id } = parseOrThrow(IdParams, request.params, 'run id');
    const { tail } = parseOrThrow(LogsQuerySchema, request.query, 'logs query');
    const logs = await services.runs.logs(id, tail);
    return { logs: logs.text, truncated: logs.truncated };
  });

  app.post(`${prefix}/runs/:id/stop`, async (request) => {
    const { id } = parseOrThrow(IdParams, request.params, 'run id');
    return services.runs.stop(id);
  });

  app.delete(`${prefix}/runs/:id`, async (request) => {
    const { id } = parseOrThrow(IdParams, request.params, 'run id');
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
  return app.listen({ host: target.host, port: target.port });
}
