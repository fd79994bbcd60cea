import type Docker from 'dockerode';
import type { ArmPlatform, Finding } from '@arm-runner/contract';
import { ArmRunnerError } from '../errors.ts';
import { engineStatusCode, fromEngineError } from '../engine/engine-errors.ts';
import { classifyImagePlatform, parsePlatform } from '../emulation/platform.ts';
import { parseImageReference, type ImageReference } from './reference.ts';

/** The user's image, resolved to an id and an ARM platform. */
export interface SourceImage {
  reference: string;
  parsed: ImageReference;
  id: string;
  platform: ArmPlatform;
  inspect: Docker.ImageInspectInfo;
  warnings: Finding[];
}

/**
 * Resolves a local image and checks its os, architecture and variant.
 * Never substitutes a platform: when the local image is not the requested
 * platform, it fails with the command that gets the right one.
 */
export async function resolveSourceImage(
  docker: Docker,
  reference: string,
  requestedPlatform: string | undefined,
  engineArchitecture: string,
): Promise<SourceImage> {
  const parsed = parseImageReference(reference);
  const requested = requestedPlatform === undefined ? undefined : parsePlatform(requestedPlatform);

  let inspect: Docker.ImageInspectInfo;
  try {
    inspect = await docker.getImage(reference).inspect();
  } catch (error) {
    if (engineStatusCode(error) === 404) {
      const assumedTag = parsed.tag === undefined && parsed.digest === undefined && parsed.imageId === undefined ? ' (tag latest assumed)' : '';
      throw new ArmRunnerError(
        'IMAGE_NOT_FOUND',
        `Image ${reference}${assumedTag} was not found in the engine. ARM Runner runs local images only. ` +
          `Check the name, or pull the ARM platform you want first, for example "docker pull --platform ${requested ?? 'linux/arm/v7'} ${reference}".`,
      );
    }
    throw fromEngineError(error, `inspect image ${reference}`);
  }

  const variant = (inspect as { Variant?: string }).Variant;
  const classified = classifyImagePlatform(inspect.Os, inspect.Architecture, variant, engineArchitecture);

  if (classified.kind === 'native') {
    throw new ArmRunnerError(
      'RUNS_NATIVELY',
      `Image ${reference} is ${classified.description}, which runs natively on this ${engineArchitecture} engine. There is nothing to emulate: run it with "docker run".`,
    );
  }
  if (classified.kind === 'unsupported') {
    throw new ArmRunnerError(
      'UNSUPPORTED_PLATFORM',
      `Image ${reference} is ${classified.description}. ARM Runner emulates linux/arm/v6, linux/arm/v7 and linux/arm64 only.`,
    );
  }
  if (requested !== undefined && requested !== classified.platform) {
    throw new ArmRunnerError(
      'PLATFORM_MISMATCH',
      `The local image ${reference} is ${classified.platform}, not ${requested}. ARM Runner does not substitute one platform for another. ` +
        `Choose --platform ${classified.platform}, or run an image that is ${requested}.`,
    );
  }

  return { reference, parsed, id: inspect.Id, platform: classified.platform, inspect, warnings: classified.warnings };
}
