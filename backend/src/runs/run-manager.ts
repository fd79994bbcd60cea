import { randomBytes } from 'node:crypto';
import type { Container, EngineClient } from '../engine/client.ts';
import type { ContainerInspect, ContainerSummary } from '../engine/api-types.ts';
import {
  type ArmPlatform,
  type Finding,
  type ImageCheck,
  type ImageInspection,
  type ParsedRunRequest,
  type QemuArch,
  type PlatformVerdict,
  type PublishedPort,
  type RunDetails,
  type RunEmulation,
  type RunInfo,
  type RunResult,
} from '@arm-runner/contract';
import type { Augmenter, StepReporter } from '../augment/augmenter.ts';
import { resolveSourceImage } from '../augment/source-image.ts';
import { ArmRunnerError } from '../errors.ts';
import { fromEngineError } from '../engine/engine-errors.ts';
import { LABELS, managedLabels, roleFilter } from '../engine/labels.ts';
import { readLogTail, type LogTail } from '../engine/streams.ts';
import { emulatorFor, platformEnvironment } from '../emulation/platform.ts';
import { inspectImage } from '../inspect/image-inspector.ts';
import { runChecksFor } from '../inspect/run-findings.ts';
import type { StatusService } from '../emulation/status-service.ts';
import { logger } from '../log.ts';
import { respondsToHttp } from './endpoint-probe.ts';
import { interpreterFromCommand, readMachine, readMainCommand } from './evidence.ts';
import { classifyEarlyExit, qemuUnsupportedFindings } from './failure.ts';
import { parseExposedPorts, planPortBindings } from './ports.ts';

// Most programs respond within a second of their start, so the endpoint is
// polled often in that second and less often after it. A refused connection
// on loopback costs well under a millisecond. The container's state is
// inspected less often.
const FAST_POLL_INTERVAL_MS = 5;
const FAST_POLL_PERIOD_MS = 1000;
const POLL_INTERVAL_MS = 50;
const STATE_CHECK_INTERVAL_MS = 100;
const PROBE_TIMEOUT_MS = 1000;

// QEMU_LOG=unimp makes QEMU print "Unsupported syscall: N" and similar lines
// to the program's standard error, where they become findings. It adds no
// output for programs that use only what QEMU implements.
const DIAGNOSTIC_ENVIRONMENT = ['QEMU_LOG=unimp'];
/** The maximum number of log bytes kept from one read. Older output is dropped while streaming. */
const LOG_BYTES_MAX = 1024 * 1024;
/** How many log lines are scanned for QEMU's reports after a run comes up. */
const QEMU_REPORT_LINES = 500;

/** Maps a platform verdict to the mode a run under it has. A run never starts under cannot-run. */
function emulationMode(verdict: PlatformVerdict): RunEmulation['mode'] {
  switch (verdict.code) {
    case 'native':
      return 'native';
    case 'host-handler':
      return 'host-handler';
    default:
      return 'in-image';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function containerName(reference: string): string {
  const base = reference.replace(/^.*\//, '').replace(/[^a-zA-Z0-9_.-]+/g, '-').slice(0, 40);
  return `arm-runner-${base}-${randomBytes(3).toString('hex')}`;
}

function endpointsFor(ports: PublishedPort[]): string[] {
  return ports
    .filter((port) => port.protocol === 'tcp')
    .map((port) => {
      const host = port.hostIp === '0.0.0.0' || port.hostIp === '' ? '127.0.0.1' : port.hostIp;
      return `http://${host.includes(':') ? `[${host}]` : host}:${port.hostPort}/`;
    });
}

function publishedPortsFromInspect(inspect: ContainerInspect): PublishedPort[] {
  const ports: PublishedPort[] = [];
  for (const [key, bindings] of Object.entries(inspect.NetworkSettings.Ports ?? {})) {
    const [port, protocol] = key.split('/');
    for (const binding of bindings ?? []) {
      // Engines that also bind IPv6 list "::" next to "0.0.0.0"; one URL per port is enough.
      if (binding.HostIp === '::') {
        continue;
      }
      ports.push({ containerPort: Number(port), protocol: protocol === 'udp' ? 'udp' : 'tcp', hostIp: binding.HostIp, hostPort: Number(binding.HostPort) });
    }
  }
  return ports.sort((left, right) => left.containerPort - right.containerPort);
}

function publishedPortsFromList(container: ContainerSummary): PublishedPort[] {
  const published: PublishedPort[] = [];
  for (const port of container.Ports) {
    if (port.PublicPort !== undefined && port.IP !== '::') {
      published.push({ containerPort: port.PrivatePort, protocol: port.Type === 'udp' ? 'udp' : 'tcp', hostIp: port.IP ?? '', hostPort: port.PublicPort });
    }
  }
  return published
    .sort((left, right) => left.containerPort - right.containerPort);
}

function runInfoFromLabels(
  id: string,
  name: string,
  labels: Record<string, string>,
  state: string,
  createdAt: string,
  ports: PublishedPort[],
): RunInfo {
  return {
    id: id.slice(0, 12),
    containerId: id,
    name: name.replace(/^\//, ''),
    image: labels[LABELS.sourceImage] ?? '',
    sourceImageId: labels[LABELS.sourceImageId] ?? '',
    platform: (labels[LABELS.platform] ?? 'linux/arm/v7') as ArmPlatform,
    augmentedImage: labels[LABELS.augmentedImage] ?? '',
    state,
    createdAt,
    ports,
    endpoints: endpointsFor(ports),
    exposeOnLan: labels[LABELS.exposeOnLan] === 'true',
  };
}

/** How many image inspections are kept. An image id names fixed content, so a result never goes stale. */
const INSPECTION_CACHE_SIZE = 64;

/**
 * Adds what the image inspection predicted to an emulator crash, because
 * "illegal instruction" from a program built for a newer CPU is the usual cause.
 */
function explainWithFindings(error: unknown, findings: Finding[]): unknown {
  const cpuFinding = findings.find((finding) => finding.code === 'CPU_NEWER_THAN_PLATFORM');
  if (!(error instanceof ArmRunnerError) || error.code !== 'EMULATOR_CRASH' || cpuFinding === undefined) {
    return error;
  }
  return new ArmRunnerError(error.code, `${error.message} The image check found the cause before the run: ${cpuFinding.message}`, error.detail);
}

/** Returns the error a run gets when no handler can run its platform. */
function noHandlerError(verdict: PlatformVerdict): ArmRunnerError {
  return new ArmRunnerError('NO_HANDLER', `${verdict.message} ${verdict.fix ?? ''}`.trim());
}

/** Starts, lists, inspects, stops and removes ARM Runner's own runs. Labels are the only state. */
export class RunManager {
  private readonly inspections = new Map<string, Promise<ImageInspection>>();

  constructor(
    private readonly docker: EngineClient,
    private readonly augmenter: Augmenter,
    private readonly status: StatusService,
  ) {}

  /**
   * Resolves, augments and starts an image, then waits until its first
   * endpoint responds to HTTP. `onEndpoint` receives that endpoint as soon as
   * it responds, before the emulation evidence is read.
   */
  async start(request: ParsedRunRequest, onStep: StepReporter = () => undefined, onEndpoint: (url: string) => void = () => undefined): Promise<RunResult> {
    onStep(`Resolving ${request.image}`);
    const engine = await this.status.engine();
    const source = await resolveSourceImage(this.docker, request.image, request.platform, engine.architecture);

    onStep(`Checking binfmt_misc handlers for ${source.platform}`);
    const verdict = await this.status.testedVerdict(source.platform, engine, await this.status.binfmt());

    // A program for another CPU than the config names is reported first,
    // because registering a handler would not make it run.
    onStep(`Reading the program files of ${request.image}`);
    const checks = runChecksFor(request.image, await this.inspect(source.id), verdict);
    if (checks.blocking !== undefined) {
      throw checks.blocking;
    }
    if (verdict.code === 'cannot-run') {
      throw noHandlerError(verdict);
    }

    const augmented = await this.augmenter.ensure(source, onStep, this.status.extraInterpreterPaths(verdict));
    const augmentedInspect = await this.docker.getImage(augmented.augmentedImageId).inspect();
    const plan = planPortBindings(
      parseExposedPorts(augmentedInspect.Config.ExposedPorts),
      request.publish,
      request.exposeOnLan,
      request.image,
    );

    onStep(`Starting ${augmented.augmentedImage}`);
    const container = await this.createContainer(request, source.platform, augmented.augmentedImage, source.id, plan);
    try {
      await container.start();
    } catch (error) {
      await this.discard(container, 'start failed');
      throw fromEngineError(error, `start ${augmented.augmentedImage}`);
    }

    let info: RunInfo;
    try {
      info = await this.waitForEndpoint(container, request.image, request.waitSeconds, onStep, augmented.qemuVersion, emulatorFor(source.platform));
    } catch (error) {
      await this.discard(container, 'endpoint wait failed');
      throw explainWithFindings(error, checks.findings);
    }

    if (info.endpoints[0] !== undefined) {
      onEndpoint(info.endpoints[0]);
    }
    // The evidence (uname -m through exec, the process list) is read once the
    // endpoint responds, because its uname runs a second emulator that would
    // compete with the program's own start for the CPU. A failed read gives null.
    onStep('Reading emulation evidence');
    const [emulation, logs] = await Promise.all([this.emulationEvidence(container, verdict, augmented.qemuVersion), this.readLogs(container, QEMU_REPORT_LINES)]);
    const qemuFindings = qemuUnsupportedFindings(logs, emulatorFor(source.platform));
    logger.info({ event: 'run.started', runId: info.id, image: request.image, platform: source.platform, endpoints: info.endpoints }, 'run started');
    return {
      ...info,
      emulation,
      verdict,
      reusedAugmentedImage: augmented.reused,
      warnings: [...source.warnings, ...verdict.warnings, ...checks.findings, ...qemuFindings],
    };
  }

  /** Reads an image's program files and reports what a run would find, without running anything. */
  async check(reference: string, platform: string | undefined): Promise<ImageCheck> {
    const engine = await this.status.engine();
    const source = await resolveSourceImage(this.docker, reference, platform, engine.architecture);
    const verdict = await this.status.testedVerdict(source.platform, engine, await this.status.binfmt());
    const inspection = await this.inspect(source.id);
    const checks = runChecksFor(reference, inspection, verdict);
    // The same order as a run: a program for another CPU first, then a missing handler.
    const blocking = checks.blocking ?? (verdict.code === 'cannot-run' ? noHandlerError(verdict) : undefined);
    return {
      reference,
      imageId: source.id,
      platform: source.platform,
      inspection,
      verdict,
      findings: [...source.warnings, ...checks.findings],
      ...(blocking === undefined ? {} : { blocking: blocking.toApiError() }),
    };
  }

  /** Returns the inspection of an image's files, from the cache when the same image was inspected before. */
  private inspect(imageId: string): Promise<ImageInspection> {
    let pending = this.inspections.get(imageId);
    if (pending === undefined) {
      pending = inspectImage(this.docker, imageId);
      pending.catch(() => this.inspections.delete(imageId));
      this.inspections.set(imageId, pending);
      if (this.inspections.size > INSPECTION_CACHE_SIZE) {
        const oldest = this.inspections.keys().next().value;
        if (oldest !== undefined) {
          this.inspections.delete(oldest);
        }
      }
    }
    return pending;
  }

  private async createContainer(
    request: ParsedRunRequest,
    platform: ArmPlatform,
    augmentedImage: string,
    sourceImageId: string,
    plan: ReturnType<typeof planPortBindings>,
  ): Promise<Container> {
    try {
      return await this.docker.createContainer({
        name: containerName(request.image),
        Image: augmentedImage,
        Env: [...platformEnvironment(platform), ...DIAGNOSTIC_ENVIRONMENT],
        ExposedPorts: plan.exposedPorts,
        Labels: {
          ...managedLabels('run'),
          [LABELS.sourceImage]: request.image,
          [LABELS.sourceImageId]: sourceImageId,
          [LABELS.platform]: platform,
          [LABELS.augmentedImage]: augmentedImage,
          [LABELS.exposeOnLan]: String(request.exposeOnLan),
        },
        // With the engine's init as PID 1, QEMU runs as its child. QEMU reports a
        // guest crash by raising the signal on itself, and the kernel ignores
        // such signals for a namespace's PID 1, so without init the run would
        // hang instead of exiting with "uncaught target signal".
        HostConfig: { PortBindings: plan.portBindings, Init: true },
        platform,
      });
    } catch (error) {
      throw fromEngineError(error, `create a container from ${augmentedImage}`);
    }
  }

  private async waitForEndpoint(
    container: Container,
    imageReference: string,
    waitSeconds: number,
    onStep: StepReporter,
    qemuVersion: string,
    qemuArch: QemuArch,
  ): Promise<RunInfo> {
    const startedAt = Date.now();
    const deadline = startedAt + waitSeconds * 1000;
    let announced = false;

    let info: RunInfo | undefined;
    let checkedAt = 0;

    for (;;) {
      if (info === undefined || Date.now() - checkedAt >= STATE_CHECK_INTERVAL_MS) {
        const inspect = await container.inspect();
        checkedAt = Date.now();
        if (!inspect.State.Running) {
          const logs = await this.readLogs(container, 200);
          throw classifyEarlyExit({ imageReference, exitCode: inspect.State.ExitCode, output: logs, qemuVersion });
        }
        info = this.runInfoFromInspect(inspect);
      }

      const endpoint = info.endpoints[0];
      if (endpoint === undefined) {
        return info;
      }
      if (!announced) {
        onStep(`Waiting for ${endpoint} to answer`);
        announced = true;
      }
      if (await respondsToHttp(endpoint, PROBE_TIMEOUT_MS)) {
        return info;
      }

      if (Date.now() >= deadline) {
        const logs = await this.readLogs(container, QEMU_REPORT_LINES);
        const qemuReports = qemuUnsupportedFindings(logs, qemuArch).map((finding) => ` ${finding.message}`).join('');
        throw new ArmRunnerError(
          'ENDPOINT_TIMEOUT',
          `The program in ${imageReference} started but did not answer HTTP at ${endpoint} within ${waitSeconds} s. ` +
            'Under emulation a program can start many times slower than on ARM hardware, so try a longer wait. ' +
            `It may also listen on another port than the published one.${qemuReports}`,
          logs.trimEnd().split('\n').slice(-20).join('\n') || undefined,
        );
      }
      await sleep(Date.now() - startedAt < FAST_POLL_PERIOD_MS ? FAST_POLL_INTERVAL_MS : POLL_INTERVAL_MS);
    }
  }

  private async emulationEvidence(container: Container, verdict: PlatformVerdict, qemuVersion: string): Promise<RunEmulation> {
    const [machine, mainCommand] = await Promise.all([
      readMachine(container),
      readMainCommand(container).catch((error: unknown) => {
        logger.warn({ event: 'evidence.top-failed', containerId: container.id, err: error }, 'could not read the process list');
        return null;
      }),
    ]);
    const mode = emulationMode(verdict);
    return {
      machine,
      interpreter: interpreterFromCommand(mainCommand),
      handler: verdict.handler ?? null,
      handlerFlags: verdict.flags ?? [],
      mode,
      inImageQemuUsed: mode === 'in-image',
      qemuVersion: mode === 'native' ? null : qemuVersion,
    };
  }

  private runInfoFromInspect(inspect: ContainerInspect): RunInfo {
    return runInfoFromLabels(
      inspect.Id,
      inspect.Name,
      inspect.Config.Labels ?? {},
      inspect.State.Status,
      new Date(inspect.Created).toISOString(),
      publishedPortsFromInspect(inspect),
    );
  }

  /** Removes a container this manager created and could not bring up. */
  private async discard(container: Container, reason: string): Promise<void> {
    try {
      await container.remove({ force: true });
      logger.info({ event: 'run.discarded', containerId: container.id, reason }, 'removed a run that did not come up');
    } catch (error) {
      logger.warn({ event: 'run.discard-failed', containerId: container.id, reason, err: error }, 'could not remove a failed run');
    }
  }

  private async readLogs(container: Container, tail: number): Promise<string> {
    return (await readLogTail(container, tail, LOG_BYTES_MAX)).text;
  }

  async list(): Promise<RunInfo[]> {
    let containers: ContainerSummary[];
    try {
      containers = await this.docker.listContainers({ all: true, filters: { label: roleFilter('run') } });
    } catch (error) {
      throw fromEngineError(error, 'list ARM Runner runs');
    }
    return containers.map((container) =>
      runInfoFromLabels(
        container.Id,
        container.Names[0] ?? '',
        container.Labels,
        container.State,
        new Date(container.Created * 1000).toISOString(),
        publishedPortsFromList(container),
      ),
    );
  }

  /**
   * Finds one of ARM Runner's own runs by id prefix or name. Containers
   * without ARM Runner's labels are never matched, so they are never touched.
   */
  private async find(idOrName: string): Promise<Container> {
    const key = idOrName.trim();
    if (key.length === 0) {
      throw new ArmRunnerError('RUN_NOT_FOUND', 'No run id was given. List runs with "arm-runner ls".');
    }
    const containers = await this.docker.listContainers({ all: true, filters: { label: roleFilter('run') } }).catch((error: unknown) => {
      throw fromEngineError(error, 'list ARM Runner runs');
    });
    const matches = containers.filter(
      (container) => container.Id.startsWith(key) || container.Names.some((name) => name.replace(/^\//, '') === key),
    );
    if (matches.length > 1) {
      const ids = matches.map((container) => container.Id.slice(0, 12)).join(', ');
      throw new ArmRunnerError('RUN_ID_AMBIGUOUS', `"${key}" matches several ARM Runner runs (${ids}). Give more characters of the id.`);
    }
    const match = matches[0];
    if (match === undefined) {
      throw new ArmRunnerError('RUN_NOT_FOUND', `No ARM Runner run matches "${key}". List runs with "arm-runner ls".`);
    }
    return this.docker.getContainer(match.Id);
  }

  /** Returns one run, with fresh emulation evidence and warnings when it is running. */
  async get(idOrName: string): Promise<RunDetails> {
    const container = await this.find(idOrName);
    const inspect = await container.inspect();
    const info = this.runInfoFromInspect(inspect);
    if (!inspect.State.Running) {
      return { ...info, warnings: qemuUnsupportedFindings(await this.readLogs(container, QEMU_REPORT_LINES), emulatorFor(info.platform)) };
    }
    const engine = await this.status.engine();
    const verdict = await this.status.testedVerdict(info.platform, engine, await this.status.binfmt());
    const qemuVersion = (await this.docker.getImage(inspect.Image).inspect()).Config.Labels?.[LABELS.qemuVersion] ?? null;
    const warnings: Finding[] = [...verdict.warnings];
    if (verdict.code === 'cannot-run') {
      // Processes already running keep their interpreter, but every new exec in
      // the container fails until a handler is registered again.
      warnings.push({ code: 'HANDLER_GONE', message: `The handler this run started under is gone. ${verdict.message}`, ...(verdict.fix === undefined ? {} : { fix: verdict.fix }) });
    }
    warnings.push(...qemuUnsupportedFindings(await this.readLogs(container, QEMU_REPORT_LINES), emulatorFor(info.platform)));
    return { ...info, emulation: await this.emulationEvidence(container, verdict, qemuVersion ?? ''), verdict, warnings };
  }

  /** Returns the last `tail` lines of a run's output, cut to LOG_BYTES_MAX bytes. */
  async logs(idOrName: string, tail: number): Promise<LogTail> {
    const container = await this.find(idOrName);
    try {
      return await readLogTail(container, tail, LOG_BYTES_MAX);
    } catch (error) {
      throw fromEngineError(error, `read the logs of run ${idOrName}`);
    }
  }

  async stop(idOrName: string): Promise<RunInfo> {
    const container = await this.find(idOrName);
    try {
      await container.stop({ t: 3 });
    } catch (error) {
      // 304: the container was already stopped, which is what the user asked for.
      if ((error as { statusCode?: number }).statusCode !== 304) {
        throw fromEngineError(error, `stop run ${idOrName}`);
      }
    }
    logger.info({ event: 'run.stopped', runId: container.id.slice(0, 12) }, 'run stopped');
    return this.runInfoFromInspect(await container.inspect());
  }

  async remove(idOrName: string): Promise<{ id: string }> {
    const container = await this.find(idOrName);
    try {
      await container.remove({ force: true });
    } catch (error) {
      throw fromEngineError(error, `remove run ${idOrName}`);
    }
    logger.info({ event: 'run.removed', runId: container.id.slice(0, 12) }, 'run removed');
    return { id: container.id.slice(0, 12) };
  }
}
