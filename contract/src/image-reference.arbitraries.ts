// fast-check generators of image references for property tests. Only tests
// import this module, and index.ts does not export it.
import fc from 'fast-check';

/** The parts a reference string is built from, in the order they appear. */
export interface ReferenceParts {
  domain?: string | undefined;
  components: string[];
  tag?: string | undefined;
  digest?: string | undefined;
}

const LOWERCASE_ALPHANUMERIC = [...'abcdefghijklmnopqrstuvwxyz0123456789'];
const MIXED_CASE_ALPHANUMERIC = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];
const WORD_CHARACTERS = [...MIXED_CASE_ALPHANUMERIC, '_'];
const HEX_DIGITS = [...'0123456789abcdef'];

const IMAGE_ID = /^(?:sha256:)?[a-f0-9]{12,64}$/;

/** Docker's limit for the name part (domain and path) of a reference. */
export const NAME_MAX_LENGTH = 255;

const alphanumericRun = fc.string({ unit: fc.constantFrom(...LOWERCASE_ALPHANUMERIC), minLength: 1, maxLength: 8 });

/** One repository path component, such as "app", "my_app" or "team--1.web". */
export const pathComponent: fc.Arbitrary<string> = fc
  .tuple(alphanumericRun, fc.array(fc.tuple(fc.constantFrom('.', '_', '__', '-', '--'), alphanumericRun), { maxLength: 3 }))
  .map(([first, rest]) => first + rest.map(([separator, run]) => separator + run).join(''));

const hostCharacter = fc.constantFrom(...MIXED_CASE_ALPHANUMERIC);

// A DNS label: letters and digits, with hyphens only inside.
const hostLabel = fc.oneof(
  hostCharacter,
  fc
    .tuple(hostCharacter, fc.string({ unit: fc.constantFrom(...MIXED_CASE_ALPHANUMERIC, '-'), maxLength: 6 }), hostCharacter)
    .map((characters) => characters.join('')),
);

const portSuffix = fc.integer({ min: 0, max: 65535 }).map((port) => `:${port}`);

/**
 * A registry host that the parser must read as a domain: it contains a dot or
 * a port, or it is "localhost".
 */
export const registryHost: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constant('localhost'), fc.option(portSuffix, { nil: '' })).map(([host, port]) => host + port),
  fc
    .tuple(fc.array(hostLabel, { minLength: 2, maxLength: 4 }), fc.option(portSuffix, { nil: '' }))
    .map(([labels, port]) => labels.join('.') + port),
  fc.tuple(fc.ipV4(), fc.option(portSuffix, { nil: '' })).map(([address, port]) => address + port),
  fc.tuple(hostLabel, portSuffix).map(([label, port]) => label + port),
);

/** A tag: a word character, then up to 127 word characters, dots and hyphens. */
export const tag: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...WORD_CHARACTERS), fc.string({ unit: fc.constantFrom(...WORD_CHARACTERS, '.', '-'), maxLength: 127 }))
  .map(([first, rest]) => first + rest);

const digestAlgorithm = fc
  .tuple(alphanumericRun, fc.array(fc.tuple(fc.constantFrom('.', '+', '_', '-'), alphanumericRun), { maxLength: 2 }))
  .map(([first, rest]) => first + rest.map(([separator, run]) => separator + run).join(''));

/** A digest such as sha256:<64 hex digits>. The grammar requires 32 hex digits or more. */
export const digest: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(fc.constantFrom('sha256', 'sha512'), digestAlgorithm),
    fc.string({ unit: fc.constantFrom(...HEX_DIGITS), minLength: 32, maxLength: 128 }),
  )
  .map(([algorithm, hex]) => `${algorithm}:${hex}`);

/** Joins parts into a reference string: [domain/]path[:tag][@digest]. */
export function formatReference(parts: ReferenceParts): string {
  const name = [...(parts.domain === undefined ? [] : [parts.domain]), ...parts.components].join('/');
  const tagPart = parts.tag === undefined ? '' : `:${parts.tag}`;
  const digestPart = parts.digest === undefined ? '' : `@${parts.digest}`;
  return name + tagPart + digestPart;
}

export function nameLength(parts: ReferenceParts): number {
  return [...(parts.domain === undefined ? [] : [parts.domain]), ...parts.components].join('/').length;
}

function isUnambiguous(parts: ReferenceParts): boolean {
  const first = parts.components[0] ?? '';
  const firstLooksLikeHost = first.includes('.') || first === 'localhost';
  if (parts.domain === undefined && parts.components.length > 1 && firstLooksLikeHost) {
    return false;
  }
  return !IMAGE_ID.test(formatReference(parts));
}

function referenceParts(components: fc.Arbitrary<string[]>): fc.Arbitrary<ReferenceParts> {
  return fc
    .record({
      domain: fc.option(registryHost, { nil: undefined, freq: 2 }),
      components,
      tag: fc.option(tag, { nil: undefined, freq: 2 }),
      digest: fc.option(digest, { nil: undefined, freq: 2 }),
    })
    .map((parts) => {
      // Drops trailing components until the name fits, rather than filtering,
      // so that long names near the limit stay common.
      const components = [...parts.components];
      while (components.length > 1 && nameLength({ ...parts, components }) > NAME_MAX_LENGTH) {
        components.pop();
      }
      return { ...parts, components };
    })
    .filter((parts) => nameLength(parts) <= NAME_MAX_LENGTH && isUnambiguous(parts));
}

/**
 * Parts of a valid reference whose meaning is not ambiguous. Without a
 * domain, a path whose first component contains a dot is left out, because
 * the grammar reads that component as a registry host. A string of 12 to 64
 * hex digits is left out too, because it reads as an image id.
 */
export const validReferenceParts: fc.Arbitrary<ReferenceParts> = referenceParts(fc.array(pathComponent, { minLength: 1, maxLength: 4 }));

const longRun = fc.string({ unit: fc.constantFrom(...LOWERCASE_ALPHANUMERIC), minLength: 1, maxLength: 60, size: 'max' });
const longPathComponent = fc
  .tuple(longRun, fc.array(fc.tuple(fc.constantFrom('.', '_', '__', '-'), longRun), { maxLength: 4 }))
  .map(([first, rest]) => first + rest.map(([separator, run]) => separator + run).join(''));

/** Like `validReferenceParts`, but most names are 150 to 255 characters long. */
export const longReferenceParts: fc.Arbitrary<ReferenceParts> = referenceParts(fc.array(longPathComponent, { minLength: 2, maxLength: 8, size: 'max' }));

/**
 * Parts of a valid reference whose name is 235 to 255 characters long, made of
 * short components so that separators are common near any cut point.
 */
export const nameAtLimitParts: fc.Arbitrary<ReferenceParts> = fc
  .record({
    domain: fc.option(registryHost, { nil: undefined, freq: 2 }),
    pieces: fc.array(pathComponent, { minLength: 60, maxLength: 60 }),
    length: fc.integer({ min: NAME_MAX_LENGTH - 20, max: NAME_MAX_LENGTH }),
    tag: fc.option(tag, { nil: undefined, freq: 2 }),
    digest: fc.option(digest, { nil: undefined, freq: 2 }),
  })
  .map(({ domain, pieces, length, ...rest }) => {
    const components: string[] = [];
    for (const piece of pieces) {
      if (nameLength({ domain, components: [...components, piece] }) > length) {
        break;
      }
      components.push(piece);
    }
    // Every component ends in a letter or digit, so appending letters keeps it
    // valid and brings the name to exactly `length` characters.
    const last = components.pop() ?? '';
    const padding = 'x'.repeat(length - nameLength({ domain, components: [...components, last] }));
    return { ...rest, domain, components: [...components, last + padding] };
  })
  .filter(isUnambiguous);

/** A valid reference string built from `validReferenceParts`. */
export const validReference: fc.Arbitrary<string> = validReferenceParts.map(formatReference);
