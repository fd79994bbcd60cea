import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ARM_PLATFORMS, checkImageReference } from '@arm-runner/contract';
import { formatReference, longReferenceParts, nameAtLimitParts, validReference, validReferenceParts } from '../../../contract/src/image-reference.arbitraries.ts';
import { ArmRunnerError } from '../errors.ts';
import { AUGMENTED_REPOSITORY_PREFIX, augmentedImageTag, parseImageReference } from './reference.ts';

// A fixed seed keeps runs reproducible. A failure report also prints the seed
// and the path of the shrunk counterexample.
const options = { seed: 0x7e6, numRuns: 300 };

const platform = fc.constantFrom(...ARM_PLATFORMS);

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'binary-ascii', minLength: 256, maxLength: 5000 }),
  validReference,
);

const anyValidReference = fc.oneof(validReference, longReferenceParts.map(formatReference), nameAtLimitParts.map(formatReference));

const imageId = fc
  .tuple(fc.boolean(), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 12, maxLength: 64 }))
  .map(([prefixed, hex]) => (prefixed ? `sha256:${hex}` : hex));

describe('parseImageReference', () => {
  it('matches checkImageReference or throws INVALID_IMAGE_REFERENCE', () => {
    fc.assert(
      fc.property(anyText, (input) => {
        const checked = checkImageReference(input);
        let parsed: unknown;
        let thrown: unknown;
        try {
          parsed = parseImageReference(input);
        } catch (error) {
          thrown = error;
        }

        if (checked.ok) {
          expect(thrown).toBeUndefined();
          expect(parsed).toEqual(checked.reference);
        } else {
          expect(thrown).toBeInstanceOf(ArmRunnerError);
          expect((thrown as ArmRunnerError).code).toBe('INVALID_IMAGE_REFERENCE');
        }
      }),
      options,
    );
  });
});

describe('augmentedImageTag', () => {
  it('returns a valid reference under the arm-runner repository', () => {
    fc.assert(
      fc.property(fc.oneof(anyValidReference, imageId), platform, (input, target) => {
        const tag = augmentedImageTag(parseImageReference(input), target);
        const checked = checkImageReference(tag);

        // On failure the diff shows the reason the tag was rejected.
        expect(checked).toMatchObject({ ok: true });
        if (checked.ok) {
          expect(checked.reference.domain).toBeUndefined();
          expect(checked.reference.path.startsWith(`${AUGMENTED_REPOSITORY_PREFIX}/`)).toBe(true);
        }
      }),
      options,
    );
  });

  it('ends the tag with the platform', () => {
    fc.assert(
      fc.property(anyValidReference, platform, (input, target) => {
        const tag = augmentedImageTag(parseImageReference(input), target);
        expect(tag.endsWith(`-${target.replaceAll('/', '-')}`)).toBe(true);
      }),
      options,
    );
  });

  it('keeps the source path when the name fits', () => {
    fc.assert(
      fc.property(fc.oneof(validReferenceParts, longReferenceParts, nameAtLimitParts), platform, (parts, target) => {
        const domainLength = parts.domain === undefined ? 0 : parts.domain.length + 1;
        const path = parts.components.join('/');
        fc.pre(AUGMENTED_REPOSITORY_PREFIX.length + 1 + domainLength + path.length <= 255);

        const tag = augmentedImageTag(parseImageReference(formatReference(parts)), target);
        const repository = tag.slice(0, tag.lastIndexOf(':'));
        expect(repository.endsWith(`/${path}`)).toBe(true);
      }),
      options,
    );
  });
});
