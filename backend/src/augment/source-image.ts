import type { EngineClient } from '../engine/client.ts';
import type { ImageInspect } from '../engine/api-types.ts';
import { isArmPlatform, type ArmPlatform, type Finding } from '@arm-runner/contract';
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
  inspect: ImageInspect;
  warnings: Finding[];
}

/**
 * Builds the error for a local image whose platform is not the requested one.
 * A local tag or id names one image with one platform, so unlike a pull,
 * --platform cannot pick another platform from it. For a reference with a
 * repository, the message gives the pull command that fetches the right one.
 */
export function localPlatformMismatchError(
  reference: string,
  parsed: ImageReference,
  actual: string,
  requested: ArmPlatform,
  fromRegistry = true,
): ArmRunnerError {
  const kind = parsed.imageId === undefined ? 'local tag' : 'local image id';
  const steps: string[] = [];
  // A pull only helps for an image that came from a registry. An image that
  // was built or loaded here has no registry to pull another platform from.
  if (parsed.imageId === undefined && fromRegistry) {
    steps.push(`pull that platform with "arm-runner pull ${reference} --platform ${requested}", which creates no tag, and run the digest reference it prints`);
  }
  if (isArmPlatform(actual)) {
    steps.push(`choose --platform ${actual}`);
  }
  steps.push(fromRegistry ? `use an image that is ${requested}` : `build or load an image that is ${requested}`);
  const remedy = `${steps.join(', or ')}.`;
  return new ArmRunnerError(
    'PLATFORM_MISMATCH',
    `The local image ${reference} is ${actual}, not ${requested}. A ${kind} names one image with one platform, so --platform cannot pick ` +
      `another platform from it, and ARM Runner does not substitute one platform for another. ` +
      `${remedy.charAt(0).toUpperCase()}${remedy.slice(1)}`,
  );
}

/**
 * Resolves a local image and checks its os, architecture and variant.
 * Never substitutes a platform: when the local image is not the requested
 * platform, it fails with the command that gets the right one.
 */
export async function resolveSourceImage(
  docker: EngineClient,
  reference: string,
  requestedPlatform: string | undefined,
  engineArchitecture: string,
): Promise<SourceImage> {
  const parsed = parseImageReference(reference);
  const requested = requestedPlatform === undefined ? undefined : parsePlatform(requestedPlatform);

  let inspect: ImageInspect;
  try {
    inspect = await docker.getImage(reference).inspect();
  } catch (error) {
    if (engineStatusCode(error) === 404) {
      const assumedTag = parsed.tag === undefined && parsed.digest === undefined && parsed.imageId === undefined ? ' (tag latest assumed)' : '';
      throw new ArmRunnerError(
        'IMAGE_NOT_FOUND',
        `Image ${reference}${assumedTag} was not found in the engine. ARM Runner runs local images only. ` +
          `Check the name, or pull the ARM platform you want first: "npx arm-runner pull ${reference} --platform ${requested ?? 'linux/arm/v7'}" ` +
          'takes exactly that platform and moves no tag.',
      );
    }
    throw fromEngineError(error, `inspect image ${reference}`);
  }

  const variant = (inspect as { Variant?: string }).Variant;
  const classified = classifyImagePlatform(inspect.Os, inspect.Architecture, variant, engineArchitecture);

  // A requested platform is compared first, so that a tag containing the
  // engine's own platform (left by a plain "docker pull") fails as a mismatch
  // that names both platforms. No engine architecture is passed here, so an
  // arm64 image on an arm64 engine still compares as linux/arm64.
  if (requested !== undefined) {
    const actual = classifyImagePlatform(inspect.Os, inspect.Architecture, variant, '');
    if (actual.kind !== 'arm' || actual.platform !== requested) {
      const fromRegistry = (inspect.RepoDigests ?? []).length > 0;
      throw localPlatformMismatchError(reference, parsed, actual.kind === 'arm' ? actual.platform : actual.description, requested, fromRegistry);
    }
  }
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
  return { reference, parsed, id: inspect.Id, platform: classified.platform, inspect, warnings: classified.warnings };
}
