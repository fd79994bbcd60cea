import type { ArmPlatform, Finding } from '@arm-runner/contract';
import { ArmRunnerError } from '../errors.ts';
import { classifyImagePlatform } from '../emulation/platform.ts';

/** A platform as image indexes, image configs and the engine's distribution endpoint write it. */
export interface OciPlatform {
  os: string;
  architecture: string;
  variant?: string;
}

/** Formats a platform as os/architecture/variant, leaving out an empty variant. */
export function describeOciPlatform(platform: OciPlatform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

export interface PlatformSelection<Entry> {
  entry: Entry;
  warnings: Finding[];
}

/**
 * Picks the entry whose platform is the requested ARM platform, or returns
 * undefined. arm/v6 and arm/v7 never replace each other. An entry with
 * architecture "arm" and no variant counts as linux/arm/v7, as Docker reads
 * it, but only when no entry names v7 itself. That selection carries a warning.
 * arm64 matches with the variant empty or "v8".
 */
export function selectPlatform<Entry>(
  entries: readonly Entry[],
  platformOf: (entry: Entry) => OciPlatform,
  requested: ArmPlatform,
): PlatformSelection<Entry> | undefined {
  let fallback: PlatformSelection<Entry> | undefined;

  for (const entry of entries) {
    const platform = platformOf(entry);
    // No engine architecture is given, so no platform is classified as native here.
    const classified = classifyImagePlatform(platform.os, platform.architecture, platform.variant, '');
    if (classified.kind !== 'arm' || classified.platform !== requested) {
      continue;
    }
    if (classified.warnings.length === 0) {
      return { entry, warnings: [] };
    }
    fallback ??= { entry, warnings: classified.warnings };
  }

  return fallback;
}

/**
 * Builds the error for a requested platform that the registry does not offer.
 * The message lists what the registry offers and states that nothing was pulled.
 */
export function platformNotOfferedError(
  reference: string,
  requested: ArmPlatform,
  offered: readonly OciPlatform[],
  isIndex: boolean,
): ArmRunnerError {
  const offeredText = offered.length === 0 ? 'no platform' : offered.map(describeOciPlatform).join(', ');
  const subject = isIndex
    ? `The multi-arch index of ${reference} lists ${offeredText}, but not ${requested}.`
    : `${reference} is a single-platform image for ${offeredText} in its registry, not ${requested}.`;

  const armOffered = offered
    .map((platform) => classifyImagePlatform(platform.os, platform.architecture, platform.variant, ''))
    .flatMap((classified) => (classified.kind === 'arm' ? [classified.platform] : []));
  const choices = [...new Set(armOffered)];
  const next =
    choices.length === 0
      ? `It offers no platform that ARM Runner emulates (linux/arm/v6, linux/arm/v7, linux/arm64).`
      : `Choose --platform ${choices.join(' or --platform ')}, or use an image built for ${requested}.`;

  return new ArmRunnerError('PLATFORM_NOT_OFFERED', `${subject} Nothing was pulled. ${next}`);
}

/**
 * Builds the error for a pulled image whose config names another platform
 * than the one requested, which happens when an index entry is mislabeled.
 * `removed` is true when the reference that the pull created was removed again.
 */
export function pulledPlatformMismatchError(
  reference: string,
  requested: ArmPlatform,
  pulledImage: string,
  actual: string,
  removed: boolean,
): ArmRunnerError {
  const cleanup = removed ? 'It removed the reference that the pull had created and stopped.' : 'It stopped here.';
  return new ArmRunnerError(
    'PLATFORM_MISMATCH',
    `The registry listed ${requested} for ${reference}, but the image it returned (${pulledImage}) is ${actual}, not ${requested}. ` +
      `ARM Runner does not substitute one platform for another. ${cleanup} ` +
      `Ask the image's publisher to fix the index, or use another image built for ${requested}.`,
  );
}
