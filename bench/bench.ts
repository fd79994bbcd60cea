// ARM Runner against doing the same job by hand with the docker CLI, on the
// real engine. Every ratio is measured side by side in this one process run,
// alternating which side goes first, and reported as median and range.
//   npm run bench                  five repetitions
//   BENCH_REPEAT=1 npm run bench   the smoke run that CI does
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import Docker from 'dockerode';
import type { RunResult, StatusResponse, TaskInfo } from '@arm-runner/contract';
import { compressedImageSize } from '../backend/test/rig/image-size.ts';
import { requestOverSocket } from '../backend/test/rig/socket-client.ts';

const execFileAsync = promisify(execFile);

const ROOT = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');
const IMAGE = 'arm-runner-fixture/httpd:armv7';
const TINY_IMAGE = `arm-runner-fixture/httpd:${process.arch === 'arm64' ? 'arm64' : 'amd64'}`;
const EXTENSION_IMAGE = process.env.ARM_RUNNER_EXTENSION_IMAGE ?? 'armrunner/docker-extension:dev';
const QEMU_BINARY = '/usr/bin/qemu-arm-static';
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? '5'));
const MEMORY_RUNS = Number(process.env.BENCH_MEMORY_RUNS ?? '20');
const IDLE_SECONDS = Math.max(1, Number(process.env.BENCH_IDLE_SECONDS ?? '30'));
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? '25');
// The docker CLI that the comparison uses. The legacy builder is the one
// every engine has; BuildKit would need buildx or DOCKER_BUILDKIT=1.
const DOCKER = process.env.BENCH_DOCKER ?? 'docker';

interface Figure {
  name: string;
  /** What is measured, against what. */
  method: string;
  target: string;
  /** True when the target is met. */
  met: boolean;
  median: number;
  min: number;
  max: number;
  unit: string;
  samples: number[];
  detail?: Record<string, unknown>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function figure(name: string, method: string, target: string, unit: string, samples: number[], met: (value: number) => boolean, detail?: Record<string, unknown>): Figure {
  const value = median(samples);
  return { name, method, target, met: met(value), median: value, min: Math.min(...samples), max: Math.max(...samples), unit, samples, ...(detail === undefined ? {} : { detail }) };
}

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(DOCKER, args, { env: { ...process.env, DOCKER_BUILDKIT: '0' }, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.status === 200) {
        await response.arrayBuffer();
        return;
      }
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      throw new Error(`${url} did not respond within ${timeoutMs} ms.`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function timed(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/**
 * The backend as Docker Desktop runs it: the extension image's own command in
 * a container with the compose file's settings (host network, no capability,
 * the engine's socket). It serves the API on a unix socket in a folder that
 * this process shares.
 */
class Backend {
  private constructor(
    private readonly container: Docker.Container,
    readonly pid: number,
    readonly socketPath: string,
    private readonly socketDirectory: string,
  ) {}

  static async start(engine: Docker): Promise<Backend> {
    const socketDirectory = mkdtempSync(path.join(os.tmpdir(), 'arm-runner-bench-'));
    const socketPath = path.join(socketDirectory, 'backend.sock');
    const container = await engine.createContainer({
      Image: EXTENSION_IMAGE,
      Env: ['ARM_RUNNER_LOG_LEVEL=warn'],
      Labels: { 'io.arm-runner.bench': 'backend' },
      HostConfig: {
        Binds: ['/var/run/docker.sock:/var/run/docker.sock', `${socketDirectory}:/run/guest-services`],
        CapDrop: ['ALL'],
        NetworkMode: 'host',
      },
    });
    await container.start();
    for (let attempt = 0; attempt < 200 && !existsSync(socketPath); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!existsSync(socketPath)) {
      await container.remove({ force: true });
      rmSync(socketDirectory, { recursive: true, force: true });
      throw new Error(`The backend in ${EXTENSION_IMAGE} did not create its socket within 10 s.`);
    }
    const pid = (await container.inspect()).State.Pid;
    return new Backend(container, pid, socketPath, socketDirectory);
  }

  async request(method: string, route: string, body?: unknown): Promise<unknown> {
    const reply = await requestOverSocket(this.socketPath, method, route, body);
    if (reply.status >= 400) {
      throw new Error(`${method} ${route} failed with ${reply.status}: ${JSON.stringify(reply.body)}`);
    }
    return reply.body;
  }

  /**
   * Starts a run and polls its task until the run is up, as the tab does but
   * with a tighter interval. Returns the run, the time until the task showed
   * the endpoint that responded to HTTP, and the time until the whole result with
   * the emulation evidence was there.
   */
  async run(image: string): Promise<{ result: RunResult; endpointMs: number; resultMs: number }> {
    const start = performance.now();
    let endpointMs: number | undefined;
    const { taskId } = (await this.request('POST', '/runs', { image })) as { taskId: string };
    for (;;) {
      const task = (await this.request('GET', `/tasks/${taskId}`)) as TaskInfo<RunResult>;
      if (task.endpoint !== undefined) {
        endpointMs ??= performance.now() - start;
      }
      if (task.state === 'succeeded' && task.result !== undefined) {
        const resultMs = performance.now() - start;
        return { result: task.result, endpointMs: endpointMs ?? resultMs, resultMs };
      }
      if (task.state === 'failed') {
        throw new Error(`The run of ${image} failed: ${task.error?.code} ${task.error?.message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** Returns the resident set size of the backend's Node.js process, seen from the engine's host. */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kilobytes = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 'NaN');
    return kilobytes * 1024;
  }

  async stop(): Promise<void> {
    await this.container.stop({ t: 5 }).catch(() => undefined);
    await this.container.remove({ force: true }).catch(() => undefined);
    rmSync(this.socketDirectory, { recursive: true, force: true });
  }
}

/** The job done by hand: the two-line Dockerfile, docker build, docker run -p, then polling. */
class ByHand {
  private readonly context = mkdtempSync(path.join(os.tmpdir(), 'arm-runner-bench-context-'));
  readonly tag = 'arm-runner-bench/by-hand:armv7';

  constructor() {
    copyFileSync(QEMU_BINARY, path.join(this.context, 'qemu-arm-static'));
    writeFileSync(path.join(this.context, 'Dockerfile'), `FROM ${IMAGE}\nCOPY qemu-arm-static /usr/bin/qemu-arm-static\n`);
  }

  /** Builds the by-hand image. Remove the previous one first (outside any timing), or it is left untagged. */
  async build(): Promise<void> {
    await docker('build', '-q', '--no-cache', '--label', 'io.arm-runner.bench=by-hand', '-t', this.tag, this.context);
  }

  /** Runs the image with port 80 on a free loopback port and waits for HTTP 200. Returns the container id. */
  async runAndPoll(options: { init?: boolean } = {}): Promise<string> {
    const id = await docker('run', '-d', ...(options.init === true ? ['--init'] : []), '-p', '127.0.0.1::80', this.tag);
    const port = (await docker('port', id, '80/tcp')).split('\n')[0]?.split(':').pop();
    await waitForHttp(`http://127.0.0.1:${port}/`);
    return id;
  }

  async remove(containerId: string): Promise<void> {
    await docker('rm', '-f', containerId);
  }

  async removeImage(): Promise<void> {
    await docker('rmi', '-f', this.tag).catch(() => undefined);
  }

  cleanup(): void {
    rmSync(this.context, { recursive: true, force: true });
  }
}

async function removeAugmentedImage(engine: Docker, tag: string): Promise<void> {
  try {
    const inspect = await engine.getImage(tag).inspect();
    if (inspect.Config.Labels?.['io.arm-runner.managed'] === 'true') {
      await engine.getImage(tag).remove({ force: true });
    }
  } catch {
    // Not there: nothing to remove.
  }
}

/** Sums the gzip size of the scripts and module preloads that index.html loads before first paint. */
function uiWeight(): { bytes: number; files: string[] } {
  const dist = path.join(ROOT, 'ui', 'dist');
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
  const files = [...html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="([^"]+\.js)"/g)].map((match) => match[1] ?? '');
  let bytes = 0;
  for (const file of files) {
    bytes += gzipSync(readFileSync(path.join(dist, file.replace(/^\.?\//, '')))).length;
  }
  return { bytes, files };
}

interface SideBySide {
  productMs: number[];
  byHandMs: number[];
  /** productMs[i] / byHandMs[i] for each repetition. */
  ratios: number[];
}

/** Times both sides REPEAT times, alternating which goes first. Each side returns its own time in ms. */
async function measureSideBySide(product: () => Promise<number>, byHand: () => Promise<number>): Promise<SideBySide> {
  const result: SideBySide = { productMs: [], byHandMs: [], ratios: [] };
  for (let index = 0; index < REPEAT; index += 1) {
    let productMs: number;
    let byHandMs: number;
    if (index % 2 === 0) {
      productMs = await product();
      byHandMs = await byHand();
    } else {
      byHandMs = await byHand();
      productMs = await product();
    }
    result.productMs.push(productMs);
    result.byHandMs.push(byHandMs);
    result.ratios.push(productMs / byHandMs);
  }
  return result;
}

async function main(): Promise<void> {
  const engine = new Docker();
  await engine.ping().catch((error: unknown) => {
    throw new Error(`The Docker engine is not reachable (${String(error)}). Run scripts/provision-engine.sh first.`);
  });
  await engine.getImage(EXTENSION_IMAGE).inspect().catch(() => {
    throw new Error(`The extension image ${EXTENSION_IMAGE} is missing. Run "make build-extension" first.`);
  });
  for (const image of [IMAGE, TINY_IMAGE]) {
    await engine.getImage(image).inspect().catch(() => {
      throw new Error(`The fixture ${image} is missing. Run scripts/prepare-assets.sh first.`);
    });
  }

  const backend = await Backend.start(engine);
  const byHand = new ByHand();
  let registeredHandler = false;
  const figures: Figure[] = [];

  try {
    const status = (await backend.request('GET', '/status')) as StatusResponse;
    if (status.platforms.find((verdict) => verdict.platform === 'linux/arm/v7')?.code === 'cannot-run') {
      await backend.request('POST', '/handlers', { arches: ['arm'], flags: 'F' });
      registeredHandler = true;
    }

    // Cold: the augmented image is removed before each product run, and the
    // by-hand image before each docker build. The backend keeps its tested
    // verdict and image inspection between runs, as it does for a user.
    let augmentedImage: string | undefined;
    const coldResultMs: number[] = [];
    const cold = await measureSideBySide(
      async () => {
        if (augmentedImage !== undefined) {
          await removeAugmentedImage(engine, augmentedImage);
        }
        const run = await backend.run(IMAGE);
        augmentedImage = run.result.augmentedImage;
        coldResultMs.push(run.resultMs);
        await backend.request('DELETE', `/runs/${run.result.id}`);
        return run.endpointMs;
      },
      async () => {
        await byHand.removeImage();
        let containerId = '';
        const elapsed = await timed(async () => {
          await byHand.build();
          containerId = await byHand.runAndPoll();
        });
        await byHand.remove(containerId);
        return elapsed;
      },
    );
    figures.push(
      figure('cold run', 'augment + run to the first HTTP 200, over docker build + docker run -p + poll', '<= 1.10', 'ratio', cold.ratios, (value) => value <= 1.1, {
        productMs: cold.productMs,
        byHandMs: cold.byHandMs,
        productWithEvidenceMs: coldResultMs,
      }),
    );

    // Warm: the augmented image and the by-hand image both exist.
    let builds = 0;
    await byHand.removeImage();
    await byHand.build();
    await backend.run(IMAGE).then((run) => backend.request('DELETE', `/runs/${run.result.id}`));
    const warmResultMs: number[] = [];
    const warm = await measureSideBySide(
      async () => {
        const run = await backend.run(IMAGE);
        if (!run.result.reusedAugmentedImage) {
          builds += 1;
        }
        warmResultMs.push(run.resultMs);
        await backend.request('DELETE', `/runs/${run.result.id}`);
        return run.endpointMs;
      },
      async () => {
        let containerId = '';
        const elapsed = await timed(async () => {
          containerId = await byHand.runAndPoll();
        });
        await byHand.remove(containerId);
        return elapsed;
      },
    );
    // For reference only: the same by-hand run with --init, which ARM Runner's
    // runs always use so that a program that crashes under QEMU exits.
    const withInit = await measureSideBySide(
      async () => {
        const run = await backend.run(IMAGE);
        await backend.request('DELETE', `/runs/${run.result.id}`);
        return run.endpointMs;
      },
      async () => {
        let containerId = '';
        const elapsed = await timed(async () => {
          containerId = await byHand.runAndPoll({ init: true });
        });
        await byHand.remove(containerId);
        return elapsed;
      },
    );
    figures.push(
      figure('warm run', 'the same image again, over docker run -p + poll of the by-hand image', '<= 1.05 and 0 builds', 'ratio', warm.ratios, (value) => value <= 1.05 && builds === 0, {
        productMs: warm.productMs,
        byHandMs: warm.byHandMs,
        productWithEvidenceMs: warmResultMs,
        builds,
        ratioOverByHandWithInit: median(withInit.ratios),
        byHandWithInitMs: withInit.byHandMs,
      }),
    );

    // Status refresh, cached test, against one docker run --rm of a tiny image.
    const refresh: number[] = [];
    for (let index = 0; index < REPEAT; index += 1) {
      const product = await timed(async () => {
        await backend.request('GET', '/status');
      });
      const manual = await timed(async () => {
        await docker('run', '--rm', TINY_IMAGE, '/bin/busybox', 'true');
      });
      refresh.push(product / manual);
    }
    figures.push(figure('status refresh', 'GET /status with cached tests, over one docker run --rm of a tiny image', '<= 1.0', 'ratio', refresh, (value) => value <= 1.0));

    // Layer cost: what the augmented image adds, over the QEMU binary's size.
    const { result: run } = await backend.run(IMAGE);
    await backend.request('DELETE', `/runs/${run.id}`);
    const augmented = await engine.getImage(run.augmentedImage).inspect();
    const source = await engine.getImage(IMAGE).inspect();
    const qemuBytes = readFileSync(QEMU_BINARY).length;
    const layerCost = (augmented.Size - source.Size) / qemuBytes;
    figures.push(
      figure('layer cost', 'bytes the augmented image adds over its source, over the static QEMU binary', '1.00', 'ratio', [layerCost], (value) => Math.abs(value - 1) < 0.005, {
        addedBytes: augmented.Size - source.Size,
        qemuBytes,
        layers: augmented.RootFS.Layers?.length ?? 0,
        sourceLayers: source.RootFS.Layers?.length ?? 0,
      }),
    );

    // Backend memory: idle RSS after 20 runs started and removed.
    for (let index = 0; index < MEMORY_RUNS; index += 1) {
      const { result } = await backend.run(IMAGE);
      await backend.request('DELETE', `/runs/${result.id}`);
    }
    // V8 may give memory back some seconds after the work stops, so the RSS
    // is sampled each second and the figure is the value after IDLE_SECONDS.
    const rssSamples: number[] = [];
    for (let second = 0; second < IDLE_SECONDS; second += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      rssSamples.push(Math.round(backend.rssBytes() / 1e5) / 10);
    }
    const idleRss = rssSamples.at(-1) ?? Number.NaN;
    figures.push(
      figure('backend memory', `idle RSS of the backend process ${IDLE_SECONDS} s after ${MEMORY_RUNS} runs`, '<= 50 MB', 'MB', [idleRss], (value) => value <= 50, {
        rssEachSecondMB: rssSamples,
      }),
    );

    const weight = uiWeight();
    figures.push(figure('UI weight', 'gzip size of the JS that index.html loads before first paint', '<= 300 KB', 'KB', [weight.bytes / 1000], (value) => value <= 300, { files: weight.files }));

    const compressed = (await compressedImageSize(engine, EXTENSION_IMAGE)) / 1e6;
    figures.push(figure('extension image', `docker save ${EXTENSION_IMAGE} | gzip`, '<= 60 MB', 'MB', [compressed], (value) => value <= 60));
  } finally {
    await byHand.removeImage();
    byHand.cleanup();
    if (registeredHandler) {
      await backend.request('DELETE', '/handlers/arm').catch(() => undefined);
    }
    await backend.stop();
  }

  const results = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGB: Math.round(os.totalmem() / 1e9), kernel: os.release() },
    engine: (await engine.version()).Version,
    repetitions: REPEAT,
    figures,
  };
  mkdirSync(path.join(ROOT, 'bench'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

  const rows = figures.map((entry) => [
    entry.name,
    entry.unit === 'ratio' ? entry.median.toFixed(2) : `${entry.median.toFixed(1)} ${entry.unit}`,
    entry.samples.length > 1 ? `${entry.min.toFixed(2)}–${entry.max.toFixed(2)}` : '',
    entry.target,
    entry.met ? 'met' : 'NOT met',
  ]);
  const header = ['figure', 'median', 'range', 'target', ''];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  for (const row of [header, ...rows]) {
    process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()}\n`);
  }
  process.stdout.write(`\nbench/results.json written (${REPEAT} repetitions).\n`);
}

await main();
