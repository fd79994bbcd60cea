import path from 'node:path';
import { Command, Option } from 'commander';
import { PullRequestSchema, RunRequestSchema } from '@arm-runner/contract';
import { ArmRunnerError } from '../errors.ts';
import { makeBundle } from '../bundle/make-bundle.ts';
import { applyCleanup, planCleanup } from '../cleanup/cleanup.ts';
import { createEngineClient } from '../engine/client.ts';
import { layerStatusPrinter, pullPlatform } from '../images/platform-pull.ts';
import { logger } from '../log.ts';
import { parsePublishSpec } from '../runs/ports.ts';
import { parseArchList, parseFlags, type RegistrationResult } from '../emulation/handler-registrar.ts';
import { ensureSampleImage } from '../sample/sample-image.ts';
import { createServices, type Services } from '../services.ts';
import { startStandaloneServer } from '../standalone/standalone-server.ts';
import { parseOrThrow } from '../validation.ts';
import { bundleDirectory, repositoryRoot, sampleArchive } from './paths.ts';
import { reportError } from './report.ts';
import { removeLeftovers, serveApi } from './serve.ts';
import { formatCleanupPlan, formatCleanupResult, formatImageCheck, formatPullResult, formatRunList, formatRunResult, formatStatus } from './format.ts';
import backendPackage from '../../package.json' with { type: 'json' };

interface JsonOption {
  json?: boolean;
}

function print(value: unknown, json: boolean | undefined, human: (value: never) => string): void {
  process.stdout.write(`${json ? JSON.stringify(value, null, 2) : human(value as never)}\n`);
}

function progress(json: boolean | undefined): (step: string) => void {
  return (step) => {
    if (!json) {
      process.stderr.write(`… ${step}\n`);
    }
  };
}

/** Parses a whole-number option, or throws INVALID_REQUEST that names the option and its range. */
function wholeNumberOption(value: string, option: string, min: number, max: number): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || number < min || number > max) {
    throw new ArmRunnerError('INVALID_REQUEST', `${option} must be a whole number from ${min} to ${max}, not "${value}".`);
  }
  return number;
}

async function runImage(services: Services, image: string, options: RunOptions): Promise<void> {
  const request = parseOrThrow(
    RunRequestSchema,
    {
      image,
      platform: options.platform,
      publish: (options.publish ?? []).map(parsePublishSpec),
      exposeOnLan: options.lan ?? false,
      waitSeconds: wholeNumberOption(options.wait ?? '60', '--wait', 1, 600),
    },
    'run request',
  );
  const result = await services.runs.start(request, progress(options.json));
  print(result, options.json, formatRunResult);
}

interface RunOptions extends JsonOption {
  platform?: string;
  publish?: string[];
  lan?: boolean;
  wait?: string;
}

interface PullOptions extends JsonOption {
  platform?: string;
}

async function pullImage(reference: string, options: PullOptions): Promise<void> {
  if (options.platform === undefined) {
    throw new ArmRunnerError(
      'INVALID_REQUEST',
      '--platform is required: linux/arm/v6, linux/arm/v7 or linux/arm64. Without it the engine would pick its own platform.',
    );
  }
  const request = parseOrThrow(PullRequestSchema, { image: reference, platform: options.platform }, 'pull request');
  const step = progress(options.json);
  const result = await pullPlatform(createEngineClient(), request.image, request.platform, { onProgress: layerStatusPrinter(step) });
  print(result, options.json, formatPullResult);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Wraps a command so that every error is printed in one shape and exits non-zero. */
function action<Args extends unknown[]>(work: (...args: Args) => Promise<void>): (...args: Args) => Promise<void> {
  return async (...args) => {
    const options = args.find((arg): arg is JsonOption => typeof arg === 'object' && arg !== null && !(arg instanceof Command));
    try {
      await work(...args);
    } catch (error) {
      reportError(error, options?.json === true);
      process.exitCode = 1;
    }
  };
}

async function withServices(work: (services: Services) => Promise<void>): Promise<void> {
  await work(await createServices({ bundleDirectory: bundleDirectory(), sampleArchivePath: sampleArchive() }));
}

export function buildProgram(): Command {
  const program = new Command('arm-runner')
    .description('Run ARM (arm/v6, arm/v7, arm64) container images on an x86 Docker engine through QEMU.')
    .version(backendPackage.version)
    .showHelpAfterError();

  program
    .command('status')
    .description('Show the engine, its binfmt_misc handlers for ARM, and a verdict for each ARM platform.')
    .option('--json', 'print JSON')
    .action(action(async (options: JsonOption) => withServices(async (services) => print(await services.status.status(), options.json, formatStatus))));

  program
    .command('run')
    .description('Add the bundled QEMU to an ARM image, run it with its ports published, and wait for its endpoint.')
    .argument('<image>', 'local image reference or id')
    .option('--platform <platform>', 'ARM platform the image must have: linux/arm/v6, linux/arm/v7 or linux/arm64')
    .option('-p, --publish <HOST:CONTAINER>', 'publish a container port on a host port (repeatable; HOST 0 picks a free port)', collect)
    .option('--lan', 'publish on all host interfaces instead of 127.0.0.1')
    .option('--wait <seconds>', 'maximum wait for the first endpoint to respond to HTTP, in seconds (1 to 600)', '60')
    .option('--json', 'print JSON')
    .action(action(async (image: string, options: RunOptions) => withServices((services) => runImage(services, image, options))));

  program
    .command('check')
    .description("Read an image's program files without running it: the command's chain of links and scripts, the ELF, setuid files, and what a run would report.")
    .argument('<image>', 'local image reference or id')
    .option('--platform <platform>', 'expected ARM platform; the image must be that platform')
    .option('--json', 'print JSON')
    .action(
      action(async (image: string, options: { platform?: string; json?: boolean }) =>
        withServices(async (services) => {
          const check = await services.runs.check(image, options.platform);
          print(check, options.json, formatImageCheck);
          // Exit status 1 when a run would be refused, so scripts and CI can gate on it.
          if (check.blocking !== undefined) {
            process.exitCode = 1;
          }
        }),
      ),
    );

  program
    .command('pull')
    .description('Pull one ARM platform of an image from its registry by digest, without creating or moving a tag.')
    .argument('<reference>', 'image reference in a registry, for example 127.0.0.1:5000/team/app:1.0')
    .option('--platform <platform>', 'ARM platform to pull (required): linux/arm/v6, linux/arm/v7 or linux/arm64')
    .option('--json', 'print JSON')
    .action(action(async (reference: string, options: PullOptions) => pullImage(reference, options)));

  program
    .command('cleanup')
    .description("Remove what ARM Runner created: its runs, its images, or both. Lists them first; removes only with --yes.")
    .option('--runs', "ARM Runner's runs (containers with its labels)")
    .option('--images', 'the augmented, probe and helper images ARM Runner made')
    .option('--yes', 'remove what the list shows')
    .option('--json', 'print JSON')
    .action(
      action(async (options: { runs?: boolean; images?: boolean; yes?: boolean; json?: boolean }) => {
        if (options.runs !== true && options.images !== true) {
          throw new ArmRunnerError('INVALID_REQUEST', 'Say what to remove: --runs, --images or both. Nothing else is ever removed.');
        }
        await withServices(async (services) => {
          const plan = await planCleanup(services.docker, { runs: options.runs === true, images: options.images === true });
          if (options.yes !== true) {
            print(plan, options.json, formatCleanupPlan);
            return;
          }
          print(await applyCleanup(services.docker, plan), options.json, formatCleanupResult);
        });
      }),
    );

  program
    .command('sample')
    .description('Run the built-in sample: a busybox web server built for linux/arm/v7.')
    .option('--wait <seconds>', 'maximum wait for the endpoint to respond to HTTP, in seconds (1 to 600)', '60')
    .option('--json', 'print JSON')
    .action(
      action(async (options: RunOptions) =>
        withServices(async (services) => {
          const image = await ensureSampleImage(services.docker, services.sampleArchivePath);
          await runImage(services, image, options);
        }),
      ),
    );

  program
    .command('ls')
    .description("List ARM Runner's runs.")
    .option('--json', 'print JSON')
    .action(action(async (options: JsonOption) => withServices(async (services) => print(await services.runs.list(), options.json, formatRunList))));

  program
    .command('inspect')
    .description('Show one run with fresh emulation evidence.')
    .argument('<id>', 'run id (a prefix works) or container name')
    .option('--json', 'print JSON (the only format of this command)')
    .action(action(async (id: string) => withServices(async (services) => print(await services.runs.get(id), true, String))));

  program
    .command('logs')
    .description("Print the last lines of a run's output.")
    .argument('<id>', 'run id (a prefix works) or container name')
    .option('--tail <lines>', 'number of lines (1 to 10000)', '200')
    .option('--json', 'print errors as JSON (the logs themselves stay plain text)')
    .action(
      action(async (id: string, options: { tail: string }) =>
        withServices(async (services) => {
          const tail = wholeNumberOption(options.tail, '--tail', 1, 10_000);
          const logs = await services.runs.logs(id, tail);
          if (logs.truncated) {
            process.stderr.write('… older output was cut: only the last MB of these lines is shown.\n');
          }
          process.stdout.write(logs.text);
        }),
      ),
    );

  program
    .command('stop')
    .description('Stop a run and keep its container.')
    .argument('<id>', 'run id (a prefix works) or container name')
    .option('--json', 'print JSON')
    .action(action(async (id: string, options: JsonOption) => withServices(async (services) => print(await services.runs.stop(id), options.json, (run: { id: string }) => `Stopped ${run.id}.`))));

  program
    .command('rm')
    .description('Stop and remove a run.')
    .argument('<id>', 'run id (a prefix works) or container name')
    .option('--json', 'print JSON')
    .action(action(async (id: string, options: JsonOption) => withServices(async (services) => print(await services.runs.remove(id), options.json, (run: { id: string }) => `Removed ${run.id}.`))));

  program
    .command('serve')
    .description('Serve the JSON API on a unix socket, as Docker Desktop runs the backend. For a browser, use "ui", which requires a token.')
    .addOption(new Option('--socket <path>', 'unix socket path').env('ARM_RUNNER_SOCKET'))
    .action(
      action(async (options: { socket?: string }) => serveApi(options.socket)),
    );

  program
    .command('ui')
    .description('Serve the ARM Runner tab and its API on 127.0.0.1 for a normal browser (standalone mode).')
    .option('--port <port>', 'TCP port on 127.0.0.1 (0 picks a free one)', '8787')
    .action(
      action(async (options: { port: string }) => {
        const services = await createServices({ bundleDirectory: bundleDirectory(), sampleArchivePath: sampleArchive(), residentBinfmtReader: true });
        await removeLeftovers(services);
        const server = await startStandaloneServer(services, {
          uiDirectory: process.env.ARM_RUNNER_UI_DIR ?? path.join(repositoryRoot, 'ui', 'dist'),
          port: wholeNumberOption(options.port, '--port', 0, 65535),
        });
        logger.info({ event: 'standalone.listening', origin: server.origin }, 'ARM Runner standalone host listening');
        process.stdout.write(`ARM Runner is running. Open this URL in a browser on this machine:\n\n  ${server.url}\n\nPress Ctrl+C to stop.\n`);
        const shutdown = (signal: string): void => {
          logger.info({ event: 'standalone.stopping', signal }, 'ARM Runner standalone host stopping');
          services.close();
          void server.app.close().then(() => process.exit(0));
        };
        process.once('SIGTERM', () => shutdown('SIGTERM'));
        process.once('SIGINT', () => shutdown('SIGINT'));
      }),
    );

  const handlers = program
    .command('handlers')
    .description("Register or remove QEMU's binfmt_misc handlers on the engine's host (until it restarts).");
  handlers
    .command('install')
    .description('Register handlers from the bundled static QEMU. One registered with the same interpreter and flags is left as it is; one with other flags is replaced.')
    .argument('<arches>', 'arm, arm64, or both as arm,arm64')
    .option('--flags <letters>', 'binfmt_misc flags: F (default) runs plain images too; "" makes only augmented images run', 'F')
    .option('--json', 'print JSON')
    .action(
      action(async (arches: string, options: { flags: string } & JsonOption) =>
        withServices(async (services) => {
          const results = await services.handlers.install(parseArchList(arches), parseFlags(options.flags));
          print(results, options.json, (list: RegistrationResult[]) => list.map((result) => `${result.name}: ${result.outcome}`).join('\n'));
        }),
      ),
    );
  handlers
    .command('remove')
    .description('Remove the qemu-arm or qemu-aarch64 handler.')
    .argument('<arches>', 'arm, arm64, or both as arm,arm64')
    .option('--json', 'print JSON')
    .action(
      action(async (arches: string, options: JsonOption) =>
        withServices(async (services) => {
          const results = await services.handlers.remove(parseArchList(arches));
          print(results, options.json, (list: RegistrationResult[]) => list.map((result) => `${result.name}: ${result.outcome}`).join('\n'));
        }),
      ),
    );

  const bundle = program.command('bundle').description('Manage the QEMU bundle.');
  bundle
    .command('make')
    .description('Build the QEMU tars, the helper root filesystem and bundle.json from static binaries.')
    .option('--qemu-dir <dir>', 'folder with qemu-arm-static and qemu-aarch64-static', '/usr/bin')
    .requiredOption('--busybox <path>', 'static busybox for the engine\'s CPU, for the helper image')
    .option('--helper-script <path>', 'read-binfmt script', path.join(repositoryRoot, 'backend', 'assets', 'read-binfmt'))
    .option('--out <dir>', 'output folder', bundleDirectory())
    .action(
      action(async (options: { qemuDir: string; busybox: string; helperScript: string; out: string }) => {
        const manifest = await makeBundle({
          qemuDirectory: options.qemuDir,
          busyboxPath: options.busybox,
          helperScriptPath: options.helperScript,
          outputDirectory: options.out,
        });
        for (const entry of manifest.qemu) {
          process.stdout.write(`${options.out}/${entry.file}: qemu-${entry.arch}-static ${entry.version}\n`);
        }
      }),
    );

  return program;
}

export async function main(argv: string[]): Promise<void> {
  // Commands print their own results, so the log shows only problems unless
  // the user asks for more. The server keeps the info level.
  if (process.env.ARM_RUNNER_LOG_LEVEL === undefined && argv[2] !== 'serve' && argv[2] !== 'ui') {
    logger.level = 'warn';
  }
  await buildProgram().parseAsync(argv);
}
