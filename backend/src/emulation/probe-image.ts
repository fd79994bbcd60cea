import { createHash } from 'node:crypto';
import type { EngineClient } from '../engine/client.ts';
import type { ArmPlatform } from '@arm-runner/contract';
import { ArmRunnerError } from '../errors.ts';
import { engineStatusCode, fromEngineError } from '../engine/engine-errors.ts';
import { LABELS, managedLabels } from '../engine/labels.ts';
import { followProgress } from '../engine/streams.ts';
import { packTar } from '../engine/tar.ts';
import { emulatorFor } from './platform.ts';
import { probeProgram } from './probe-program.ts';

const PROBE_REPOSITORY = 'arm-runner-probe';
const PROBE_PATH = '/probe';

const PLATFORM_CONFIG: Record<ArmPlatform, { architecture: string; variant?: string; tag: string }> = {
  'linux/arm/v6': { architecture: 'arm', variant: 'v6', tag: 'armv6' },
  'linux/arm/v7': { architecture: 'arm', variant: 'v7', tag: 'armv7' },
  'linux/arm64': { architecture: 'arm64', tag: 'arm64' },
};

export function probeImageTag(platform: ArmPlatform): string {
  return `${PROBE_REPOSITORY}:${PLATFORM_CONFIG[platform].tag}`;
}

function sha256(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** One image with a single static program as its only file and entrypoint. */
export interface ProgramImage {
  platform: ArmPlatform;
  tag: string;
  program: Buffer;
  labels: Record<string, string>;
  exposedPorts?: string[];
}

/**
 * Builds a docker-archive (the `docker save` format) of a ProgramImage, with
 * a config that names the platform. `docker load` keeps that platform, where
 * `docker import` would record the engine's own.
 */
export function buildProgramArchive(image: ProgramImage): Buffer {
  const layer = packTar([{ header: { name: PROBE_PATH.slice(1), mode: 0o755 }, content: image.program }]);
  const layerDigest = sha256(layer);
  const { architecture, variant } = PLATFORM_CONFIG[image.platform];

  const config = JSON.stringify({
    architecture,
    ...(variant === undefined ? {} : { variant }),
    os: 'linux',
    config: {
      Entrypoint: [PROBE_PATH],
      Labels: image.labels,
      ...(image.exposedPorts === undefined ? {} : { ExposedPorts: Object.fromEntries(image.exposedPorts.map((port) => [port, {}])) }),
    },
    rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
    history: [{ created_by: 'ARM Runner: one static program' }],
  });
  const configName = `${sha256(config)}.json`;
  const manifest = JSON.stringify([{ Config: configName, RepoTags: [image.tag], Layers: [`${layerDigest}/layer.tar`] }]);

  return packTar([
    { header: { name: `${layerDigest}/layer.tar`, mode: 0o644 }, content: layer },
    { header: { name: configName, mode: 0o644 }, content: Buffer.from(config) },
    { header: { name: 'manifest.json', mode: 0o644 }, content: Buffer.from(manifest) },
  ]);
}

/** Builds the probe image's archive for a platform. */
export function buildProbeArchive(platform: ArmPlatform): { archive: Buffer; programSha256: string } {
  const program = probeProgram(emulatorFor(platform));
  const programSha256 = sha256(program);
  const archive = buildProgramArchive({
    platform,
    tag: probeImageTag(platform),
    program,
    labels: { ...managedLabels('probe-image'), [LABELS.probeSha256]: programSha256, [LABELS.platform]: platform },
  });
  return { archive, programSha256 };
}

/**
 * Loads the probe image for a platform unless the engine already has the
 * current one. A tag of that name that ARM Runner did not make is left alone.
 */
export async function ensureProbeImage(docker: EngineClient, platform: ArmPlatform): Promise<string> {
  const tag = probeImageTag(platform);
  const { archive, programSha256 } = buildProbeArchive(platform);

  try {
    const existing = await docker.getImage(tag).inspect();
    const labels = existing.Config.Labels ?? {};
    if (labels[LABELS.managed] !== 'true') {
      throw new ArmRunnerError(
        'TAG_CONFLICT',
        `The tag ${tag} already exists and was not made by ARM Runner, so it is left alone. Rename or remove that image, then try again.`,
      );
    }
    if (labels[LABELS.probeSha256] === programSha256) {
      return tag;
    }
  } catch (error) {
    if (error instanceof ArmRunnerError) {
      throw error;
    }
    if (engineStatusCode(error) !== 404) {
      throw fromEngineError(error, `inspect ${tag}`);
    }
  }

  try {
    await followProgress(await docker.loadImage(archive));
  } catch (error) {
    throw fromEngineError(error, `load the probe image ${tag}`);
  }
  return tag;
}
