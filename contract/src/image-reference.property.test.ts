import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NAME_MAX_LENGTH,
  formatReference,
  longReferenceParts,
  nameAtLimitParts,
  nameLength,
  pathComponent,
  registryHost,
  validReference,
  validReferenceParts,
  type ReferenceParts,
} from './image-reference.arbitraries.ts';
import { checkImageReference, type ImageReference } from './image-reference.ts';

// A fixed seed keeps runs reproducible. A failure report also prints the seed
// and the path of the shrunk counterexample.
const options = { seed: 0x1a6e, numRuns: 300 };

const SHELL_METACHARACTERS = [' ', '\t', '\n', '\r', ';', '$(', ')', '`', '|', '&', '>', '<', "'", '"', '\\', '*', '?', '!', '{', '}', '#', '~', '\0'];

/** A valid reference with one character inserted, replaced or removed. */
const mutatedReference = fc
  .tuple(validReference, fc.nat(), fc.constantFrom('insert', 'replace', 'delete'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }))
  .map(([reference, position, operation, character]) => {
    const index = position % (reference.length + 1);
    const tail = operation === 'insert' ? reference.slice(index) : reference.slice(index + 1);
    return reference.slice(0, index) + (operation === 'delete' ? '' : character) + tail;
  });

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.string({ unit: fc.constantFrom(...'abc09.-_/:@+A'), maxLength: 80 }),
  validReference,
  mutatedReference,
);

const longText = fc.string({ unit: 'binary-ascii', minLength: 256, maxLength: 5000 });

function rebuild(reference: ImageReference): string {
  return formatReference({
    domain: reference.domain,
    components: reference.path === '' ? [] : reference.path.split('/'),
    tag: reference.tag,
    digest: reference.digest,
  });
}

function expectedReference(parts: ReferenceParts): ImageReference {
  return {
    ...(parts.domain === undefined ? {} : { domain: parts.domain }),
    path: parts.components.join('/'),
    ...(parts.tag === undefined ? {} : { tag: parts.tag }),
    ...(parts.digest === undefined ? {} : { digest: parts.digest }),
  };
}

function uppercaseFirstLetter(component: string): string | undefined {
  const index = component.search(/[a-z]/);
  if (index === -1) {
    return undefined;
  }
  return component.slice(0, index) + component.charAt(index).toUpperCase() + component.slice(index + 1);
}

describe('checkImageReference on arbitrary input', () => {
  it('returns a result and never throws', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, longText), (input) => {
        const result = checkImageReference(input);
        if (result.ok) {
          expect(typeof result.reference.path).toBe('string');
        } else {
          expect(result.reason.length).toBeGreaterThan(0);
        }
      }),
      options,
    );
  });

  it('accepts only the characters of the reference grammar', () => {
    fc.assert(
      fc.property(anyText, (input) => {
        if (checkImageReference(input).ok) {
          expect(input).toMatch(/^[A-Za-z0-9._\-/:@+]+$/);
        }
      }),
      options,
    );
  });

  it('returns parts that rebuild the input', () => {
    fc.assert(
      fc.property(anyText, (input) => {
        const result = checkImageReference(input);
        if (!result.ok) {
          return;
        }
        if (result.reference.imageId === undefined) {
          expect(rebuild(result.reference)).toBe(input);
        } else {
          expect(result.reference.imageId).toBe(input);
        }
      }),
      options,
    );
  });
});

describe('checkImageReference round trip', () => {
  it('accepts generated references with their parts unchanged', () => {
    fc.assert(
      fc.property(fc.oneof(validReferenceParts, longReferenceParts, nameAtLimitParts), (parts) => {
        const result = checkImageReference(formatReference(parts));
        expect(result).toEqual({ ok: true, reference: expectedReference(parts) });
      }),
      options,
    );
  });

  it('reads a registry host before the first slash as the domain', () => {
    fc.assert(
      fc.property(registryHost, fc.array(pathComponent, { minLength: 1, maxLength: 3 }), (host, components) => {
        const result = checkImageReference([host, ...components].join('/'));
        expect(result.ok).toBe(true);
        expect(result.ok ? result.reference.domain : undefined).toBe(host);
      }),
      options,
    );
  });

  it('accepts image ids unchanged', () => {
    const imageId = fc
      .tuple(fc.boolean(), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 12, maxLength: 64 }))
      .map(([prefixed, hex]) => (prefixed ? `sha256:${hex}` : hex));
    fc.assert(
      fc.property(imageId, (id) => {
        expect(checkImageReference(id)).toEqual({ ok: true, reference: { path: '', imageId: id } });
      }),
      options,
    );
  });
});

describe('checkImageReference rejects', () => {
  it('uppercase letters in the repository path', () => {
    fc.assert(
      fc.property(validReferenceParts, fc.nat(), (parts, choice) => {
        // Without a domain, a first component that contains a dot would be
        // read as a registry host, where uppercase is allowed.
        const firstChecked = parts.domain === undefined && parts.components.length > 1 ? 1 : 0;
        const index = firstChecked + (choice % (parts.components.length - firstChecked));
        const changed = uppercaseFirstLetter(parts.components[index] ?? '');
        fc.pre(changed !== undefined);

        const components = parts.components.map((component, position) => (position === index ? (changed ?? component) : component));
        const result = checkImageReference(formatReference({ ...parts, components }));
        expect(result.ok).toBe(false);
      }),
      options,
    );
  });

  it('whitespace and shell metacharacters anywhere', () => {
    fc.assert(
      fc.property(validReference, fc.nat(), fc.constantFrom(...SHELL_METACHARACTERS), (reference, position, inserted) => {
        const index = position % (reference.length + 1);
        const input = reference.slice(0, index) + inserted + reference.slice(index);
        expect(checkImageReference(input).ok).toBe(false);
      }),
      options,
    );
  });

  it('empty and whitespace-only input', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2028'), maxLength: 10 }), (input) => {
        expect(checkImageReference(input).ok).toBe(false);
      }),
      options,
    );
  });

  it('names longer than 255 characters', () => {
    const longParts = fc
      .record({
        domain: fc.option(registryHost, { nil: undefined }),
        components: fc.array(pathComponent, { minLength: 1, maxLength: 4 }),
        padding: fc.integer({ min: NAME_MAX_LENGTH, max: 2 * NAME_MAX_LENGTH }),
      })
      .map(({ domain, components, padding }): ReferenceParts => ({ domain, components: [...components, 'a'.repeat(padding)] }));
    fc.assert(
      fc.property(longParts, (parts) => {
        expect(nameLength(parts)).toBeGreaterThan(NAME_MAX_LENGTH);
        expect(checkImageReference(formatReference(parts)).ok).toBe(false);
      }),
      options,
    );
  });

  it('tags longer than 128 characters', () => {
    fc.assert(
      fc.property(validReferenceParts, fc.integer({ min: 129, max: 1000 }), (parts, length) => {
        const input = formatReference({ ...parts, tag: 'v'.repeat(length) });
        expect(checkImageReference(input).ok).toBe(false);
      }),
      options,
    );
  });

  it('path traversal in the tag', () => {
    const traversal = fc
      .tuple(
        fc.constantFrom('..', '../', '../..', './', '.'),
        fc.array(fc.constantFrom('..', 'etc', 'passwd', '.', ''), { maxLength: 4 }),
      )
      .map(([start, rest]) => [start, ...rest].join('/'));
    fc.assert(
      fc.property(validReferenceParts, traversal, (parts, tag) => {
        expect(checkImageReference(formatReference({ ...parts, tag })).ok).toBe(false);
      }),
      options,
    );
  });

  it('malformed digests', () => {
    const badHex = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 31 }),
      fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFg'), minLength: 32, maxLength: 70 }).filter((hex) => /[A-Zg]/.test(hex)),
    );
    fc.assert(
      fc.property(validReferenceParts, badHex, (parts, hex) => {
        expect(checkImageReference(formatReference({ ...parts, digest: `sha256:${hex}` })).ok).toBe(false);
      }),
      options,
    );
  });
});
