import { removeLeftoverContainers } from '../engine/leftovers.ts';
import { buildServer, listen } from '../http/server.ts';
import { logger } from '../log.ts';
import { createServices, type Services } from '../services.ts';
import { bundleDirectory, sampleArchive } from './paths.ts';

// Builds, probes and inspections take seconds, so a short-lived container
// older than this belongs to a process that was stopped mid-work.
// ARM_RUNNER_LEFTOVER_AGE_SECONDS changes it, for a backend that is known to
// run alone on its engine.
const DEFAULT_LEFTOVER_AGE_SECONDS = 600;

const DEFAULT_SOCKET_PATH = '/run/guest-services/backend.sock';

function leftoverAgeMs(): number {
  const configured = Number(process.env.ARM_RUNNER_LEFTOVER_AGE_SECONDS ?? DEFAULT_LEFTOVER_AGE_SECONDS);
  return (Number.isFinite(configured) && configured >= 0 ? configured : DEFAULT_LEFTOVER_AGE_SECONDS) * 1000;
}

/** Removes what an interrupted backend left behind. A failure is logged, never fatal to the start. */
export async function removeLeftovers(services: Services): Promise<void> {
  await removeLeftoverContainers(services.docker, leftoverAgeMs()).catch((error: unknown) => {
    logger.warn({ event: 'leftover.cleanup-failed', err: error }, 'could not look for leftover containers');
  });
}

/** Serves the JSON API on a unix socket until SIGTERM or SIGINT, as Docker Desktop runs the backend. */
export async function serveApi(socketPath: string | undefined): Promise<void> {
  const services = await createServices({ bundleDirectory: bundleDirectory(), sampleArchivePath: sampleArchive(), residentBinfmtReader: true });
  await removeLeftovers(services);
  const app = buildServer(services);
  const target = { socketPath: socketPath ?? DEFAULT_SOCKET_PATH };
  const address = await listen(app, target);
  logger.info({ event: 'server.listening', address }, 'ARM Runner backend listening');
  const shutdown = (signal: string): void => {
    logger.info({ event: 'server.stopping', signal }, 'ARM Runner backend stopping');
    services.close();
    void app.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

/**
 * Reads the plain forms of the serve command: "serve", "serve --socket PATH"
 * and "serve --socket=PATH", with ARM_RUNNER_SOCKET when no path is given.
 * Returns undefined for anything else, such as --help or an unknown option,
 * so that the full command-line parser handles it.
 */
export function parseServeArguments(args: string[], environment: NodeJS.ProcessEnv = process.env): { socket: string | undefined } | undefined {
  const [command, option, value, ...rest] = args;
  if (command !== 'serve' || rest.length > 0) {
    return undefined;
  }
  if (option === undefined) {
    return { socket: environment.ARM_RUNNER_SOCKET };
  }
  if (option === '--socket' && value !== undefined && value !== '' && !value.startsWith('-')) {
    return { socket: value };
  }
  if (option.startsWith('--socket=') && value === undefined && option.length > '--socket='.length) {
    return { socket: option.slice('--socket='.length) };
  }
  return undefined;
}
