import { createHash } from 'node:crypto';
import type { Container, EngineClient } from '../engine/client.ts';
import type { ArmPlatform, ProbeOutcome, ProbeResult, VerdictTest } from '@arm-runner/contract';
import type { Augmenter } from '../augment/augmenter.ts';
import { resolveSourceImage } from '../augment/source-image.ts';
import { fromEngineError } from '../engine/engine-errors.ts';
import { managedLabels } from '../engine/labels.ts';
import { HELPER_OUTPUT_MAX_BYTES, readContainerOutput } from '../engine/streams.ts';
import { logger } from '../log.ts';
import { platformEnvironment } from './platform.ts';
import { ensureProbeImage } from './probe-image.ts';
import { machineFromProbeOutput } from './probe-program.ts';
import type { BinfmtState } from './verdict.ts';
import { compareText } from '../ordering.ts';

/** How long one probe container may run. The program itself exits at once. */
const PROBE_TIMEOUT_MS = 30_000;
const DETAIL_MAX_CHARS = 2000;

/** Sorts a probe's output into an outcome. Exported for unit tests. */
export function classifyProbeOutput(exitCode: number | null, output: string): ProbeOutcome {
  if (/exec format error/i.test(output)) {
    return 'exec-format-error';
  }
  if (/Invalid ELF image for this architecture/i.test(output)) {
    return 'wrong-emulator';
  }
  if (/qemu: uncaught target signal/i.test(output)) {
    return 'emulator-crash';
  }
  if (/no such file or directory/i.test(output)) {
    return 'interpreter-missing';
  }
  if (exitCode === 0 && machineFromProbeOutput(output) !== null) {
    return 'ran';
  }
  return 'failed';
}

/** A key that changes whenever a handler that matters for a verdict changes. */
export function binfmtFingerprint(state: BinfmtState): string {
  const handlers = state.handlers
    .map(({ name, enabled, interpreter, flags, offset, magic, mask }) => ({ name, enabled, interpreter, flags, offset, magic, mask }))
    .sort((left, right) => compareText(left.name, right.name));
  return createHash('sha256').update(JSON.stringify({ enabled: state.enabled, handlers })).digest('hex');
}

interface CachedTests {
  fingerprint: string;
  results: Map<string, VerdictTest>;
}

/**
 * Runs a tiny static ARM program through the engine for each platform, once
 * as a plain image and once with the bundled QEMU added, so that a verdict
 * reports what the engine did rather than what the handler table suggests.
 * Results are cached until the handler table changes or a refresh is asked for.
 */
export class VerdictTester {
  private cache: CachedTests | undefined;
  private readonly inFlight = new Map<string, Promise<VerdictTest>>();

  constructor(
    private readonly docker: EngineClient,
    private readonly augmenter: Augmenter,
  ) {}

  /** Drops every cached result, so that the next call tests again. */
  invalidate(): void {
    this.cache = undefined;
  }

  /**
   * Returns the test of a platform under the given handler table.
   * `extraInterpreterPaths` are passed to the augmenter as for a real run.
   */
  async test(platform: ArmPlatform, engineArchitecture: string, binfmt: BinfmtState, extraInterpreterPaths: string[] = []): Promise<VerdictTest> {
    const fingerprint = binfmtFingerprint(binfmt);
    if (this.cache?.fingerprint !== fingerprint) {
      this.cache = { fingerprint, results: new Map() };
    }
    const cache = this.cache;
    const key = `${platform}|${extraInterpreterPaths.join(',')}`;
    const cached = cache.results.get(key);
    if (cached !== undefined) {
      return cached;
    }

    const flightKey = `${fingerprint}|${key}`;
    let pending = this.inFlight.get(flightKey);
    if (pending === undefined) {
      pending = this.runTest(platform, engineArchitecture, extraInterpreterPaths)
        .then((result) => {
          cache.results.set(key, result);
          return result;
        })
        .finally(() => this.inFlight.delete(flightKey));
      this.inFlight.set(flightKey, pending);
    }
    return pending;
  }

  private async runTest(platform: ArmPlatform, engineArchitecture: string, extraInterpreterPaths: string[]): Promise<VerdictTest> {
    const probeTag = await ensureProbeImage(this.docker, platform);
    const source = await resolveSourceImage(this.docker, probeTag, platform, engineArchitecture);
    const augmented = await this.augmenter.ensure(source, () => undefined, extraInterpreterPaths);

    const plain = await this.runProbe(source.id, platform);
    const withQemu = await this.runProbe(augmented.augmentedImageId, platform);
    logger.info({ event: 'verdict.tested', platform, plain: plain.outcome, augmented: withQemu.outcome }, 'tested a platform with the probe program');
    return { plain, augmented: withQemu, testedAt: new Date().toISOString() };
  }

  /** Runs the probe image once and sorts the result. The container is always removed. */
  private async runProbe(image: string, platform: ArmPlatform): Promise<ProbeResult> {
    let container: Container;
    try {
      container = await this.docker.createContainer({
        Image: image,
        Env: platformEnvironment(platform),
        Labels: managedLabels('probe'),
        NetworkDisabled: true,
        // No init process here, unlike runs: docker-init retries a program that
        // fails with "exec format error" through /bin/sh, which turns that error
        // into "no such file or directory" and hides the outcome this test reads.
        HostConfig: { NetworkMode: 'none' },
        platform,
      });
    } catch (error) {
      throw fromEngineError(error, `create a probe container for ${platform}`);
    }

    try {
      // runc reports a failed exec either as a start error or in the
      // container's output, depending on its version, so both are kept.
      let startError = '';
      await container.start().catch((error: unknown) => {
        startError = error instanceof Error ? error.message : String(error);
      });

      let exitCode: number | null = null;
      if (startError === '') {
        const timer = setTimeout(() => {
          container.kill().catch(() => undefined);
        }, PROBE_TIMEOUT_MS);
        try {
          exitCode = (await container.wait()).StatusCode;
        } finally {
          clearTimeout(timer);
        }
      }

      const logs = await readContainerOutput(container, HELPER_OUTPUT_MAX_BYTES);
      const output = `${startError}${logs.combined}`;
      const outcome = classifyProbeOutput(exitCode, output);
      const machine = outcome === 'ran' ? machineFromProbeOutput(logs.stdout) : null;
      const detail = outcome === 'ran' ? undefined : output.replaceAll('\0', '').trim().slice(0, DETAIL_MAX_CHARS);
      return { outcome, machine, exitCode, ...(detail === undefined || detail === '' ? {} : { detail }) };
    } finally {
      await container.remove({ force: true }).catch((error: unknown) => {
        logger.warn({ event: 'probe.remove-failed', containerId: container.id, err: error }, 'could not remove a probe container');
      });
    }
  }
}
