import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ARM_PLATFORMS } from '@arm-runner/contract';
import { entryFields, formatEntry, fromHex, magicAndMask, toHex, type EntryFields } from './binfmt-entries.arbitraries.ts';
import { entryMatchesHeader, parseBinfmtEntry, nativeFormatsMatchedBy, parseBinfmtListing, platformsMatchedBy, type ParsedEntry } from './binfmt.ts';
import { compareText } from '../ordering.ts';

// A fixed seed keeps runs reproducible. A failure report also prints the seed
// and the path of the shrunk counterexample.
const options = { seed: 0xb1f, numRuns: 300 };

function expectedEntry(fields: EntryFields): ParsedEntry {
  return {
    enabled: fields.enabled,
    interpreter: fields.interpreter,
    flags: fields.flags,
    offset: fields.offset,
    magic: fields.magic,
    mask: fields.mask ?? 'ff'.repeat(fields.magic.length / 2),
  };
}

/**
 * Returns whether the bytes at the offset differ from the magic only in bits
 * that the mask clears, which is the kernel's rule written another way.
 */
function referenceMatch(offset: number, magic: number[], mask: number[], header: Uint8Array): boolean {
  const window = header.subarray(offset, offset + magic.length);
  if (window.length < magic.length) {
    return false;
  }
  return window.every((byte, index) => ((byte ^ (magic[index] ?? 0)) & (mask[index] ?? 0)) === 0);
}

// Lines that start like the parser's keys, with arbitrary values, mixed with
// arbitrary lines, so that generated text reaches every branch of the parser.
const entryLine = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('enabled', 'disabled', 'interpreter ', 'flags:', 'flags: ', 'offset ', 'magic ', 'mask ', 'extension .', ' magic ', 'MAGIC '),
      fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF -'), maxLength: 40 })),
    )
    .map(([key, value]) => key + value),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const entryText = fc.oneof(
  fc.array(entryLine, { maxLength: 10 }).map((lines) => lines.join('\n')),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'binary-ascii', minLength: 1000, maxLength: 5000 }),
  entryFields().map(formatEntry),
);

describe('parseBinfmtEntry', () => {
  it('returns null or a well-formed entry for any text', () => {
    fc.assert(
      fc.property(entryText, (text) => {
        const entry = parseBinfmtEntry(text);
        if (entry === null) {
          return;
        }
        expect(entry.magic).toMatch(/^(?:[0-9a-f]{2})+$/);
        expect(entry.mask).toMatch(/^(?:[0-9a-f]{2})+$/);
        expect(entry.mask.length).toBe(entry.magic.length);
        for (const flag of entry.flags) {
          expect(flag).toMatch(/^[A-Z]$/);
        }
      }),
      options,
    );
  });

  it('reads a written entry back to the same fields', () => {
    fc.assert(
      fc.property(entryFields(true), (fields) => {
        expect(parseBinfmtEntry(formatEntry(fields))).toEqual(expectedEntry(fields));
      }),
      options,
    );
  });

  it('reads uppercase hex as lowercase', () => {
    fc.assert(
      fc.property(entryFields(), (fields) => {
        const text = formatEntry({ ...fields, magic: fields.magic.toUpperCase(), mask: fields.mask?.toUpperCase() });
        expect(parseBinfmtEntry(text)).toEqual(expectedEntry(fields));
      }),
      options,
    );
  });

  it('rejects a mask whose length differs from the magic', () => {
    const mismatched = fc
      .tuple(entryFields(), fc.uint8Array({ minLength: 1, maxLength: 40 }))
      .filter(([fields, mask]) => mask.length * 2 !== fields.magic.length)
      .map(([fields, mask]) => ({ ...fields, mask: toHex(mask) }));
    fc.assert(
      fc.property(mismatched, (fields) => {
        expect(parseBinfmtEntry(formatEntry(fields))).toBeNull();
      }),
      options,
    );
  });

  it('rejects magic of odd length or with non-hex digits', () => {
    const badMagic = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 41 }).filter((hex) => hex.length % 2 === 1),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefgxz'), minLength: 2, maxLength: 40 }).filter((hex) => /[gxz]/.test(hex)),
    );
    fc.assert(
      fc.property(entryFields(), badMagic, (fields, magic) => {
        expect(parseBinfmtEntry(formatEntry({ ...fields, magic, mask: undefined }))).toBeNull();
      }),
      options,
    );
  });

  it('returns null for extension entries', () => {
    fc.assert(
      fc.property(entryFields(), fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'), minLength: 1, maxLength: 8 }), (fields, extension) => {
        const text = formatEntry(fields).replace(/offset .*\nmagic .*\n(?:mask .*\n)?/, `extension .${extension}\n`);
        expect(parseBinfmtEntry(text)).toBeNull();
      }),
      options,
    );
  });
});

describe('entryMatchesHeader', () => {
  const entry = fc.record({ offset: fc.integer({ min: 0, max: 40 }), bytes: magicAndMask });

  // Random bytes, or the magic copied into random bytes with a few bits
  // flipped, so that both outcomes are common.
  const entryAndHeader = fc
    .tuple(entry, fc.uint8Array({ maxLength: 80 }), fc.boolean(), fc.array(fc.tuple(fc.nat(), fc.nat(7)), { maxLength: 3 }))
    .map(([generated, noise, embed, flips]) => {
      const [magic] = generated.bytes;
      if (!embed) {
        return { ...generated, header: noise };
      }
      const header = new Uint8Array(Math.max(noise.length, generated.offset + magic.length));
      header.set(noise);
      header.set(magic, generated.offset);
      for (const [position, bit] of flips) {
        const index = position % header.length;
        header[index] = (header[index] ?? 0) ^ (1 << bit);
      }
      return { ...generated, header };
    });

  it('agrees with a reference implementation on any header', () => {
    fc.assert(
      fc.property(entryAndHeader, ({ offset, bytes: [magic, mask], header }) => {
        const actual = entryMatchesHeader({ offset, magic: toHex(magic), mask: toHex(mask) }, header);
        expect(actual).toBe(referenceMatch(offset, [...magic], [...mask], header));
      }),
      options,
    );
  });

  it('matches a header that differs only in masked-out bits', () => {
    fc.assert(
      fc.property(entry, fc.uint8Array({ minLength: 80, maxLength: 80 }), ({ offset, bytes: [magic, mask] }, noise) => {
        const header = noise.slice(0, offset + magic.length);
        magic.forEach((magicByte, index) => {
          const maskByte = mask[index] ?? 0;
          header[offset + index] = (magicByte & maskByte) | ((noise[offset + index] ?? 0) & ~maskByte & 0xff);
        });
        expect(entryMatchesHeader({ offset, magic: toHex(magic), mask: toHex(mask) }, header)).toBe(true);
      }),
      options,
    );
  });

  it('rejects a header with one masked-in bit flipped', () => {
    fc.assert(
      fc.property(entry, fc.nat(), fc.nat(7), ({ offset, bytes: [magic, mask] }, byteChoice, bit) => {
        const index = byteChoice % magic.length;
        fc.pre(((mask[index] ?? 0) & (1 << bit)) !== 0);

        const header = new Uint8Array(offset + magic.length);
        header.set(magic, offset);
        header[offset + index] = (header[offset + index] ?? 0) ^ (1 << bit);
        expect(entryMatchesHeader({ offset, magic: toHex(magic), mask: toHex(mask) }, header)).toBe(false);
      }),
      options,
    );
  });

  it('never matches a header that ends before the magic', () => {
    fc.assert(
      fc.property(entry, fc.nat(), ({ offset, bytes: [magic, mask] }, cut) => {
        const header = new Uint8Array(offset + magic.length);
        header.set(magic, offset);
        const short = header.subarray(0, cut % header.length);
        expect(entryMatchesHeader({ offset, magic: toHex(magic), mask: toHex(mask) }, short)).toBe(false);
      }),
      options,
    );
  });
});

describe('platformsMatchedBy', () => {
  it('returns ARM platforms only, and 32-bit ARM as v6 and v7 together', () => {
    fc.assert(
      fc.property(fc.record({ offset: fc.integer({ min: 0, max: 20 }), bytes: magicAndMask }), ({ offset, bytes: [magic, mask] }) => {
        const platforms = platformsMatchedBy({ offset, magic: toHex(magic), mask: toHex(mask) });
        for (const platform of platforms) {
          expect(ARM_PLATFORMS).toContain(platform);
        }
        // platformsMatchedBy compares the first 20 bytes of an ELF header, up to
        // e_machine. They are the same for ARMv6 and ARMv7 programs, so an entry
        // matches both or neither.
        expect(platforms.includes('linux/arm/v6')).toBe(platforms.includes('linux/arm/v7'));
      }),
      options,
    );
  });
});

describe('parseBinfmtListing', () => {
  const entryName = fc
    .string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-'), minLength: 1, maxLength: 16 })
    .filter((name) => name !== 'status' && name !== 'register' && name !== '.' && name !== '..');
  const namedEntries = fc.uniqueArray(fc.record({ name: entryName, fields: entryFields(true) }), { selector: (entry) => entry.name, maxLength: 5 });

  function listingLines(folder: string, name: string, text: string): string[] {
    return text
      .trimEnd()
      .split('\n')
      .map((line) => `${folder}/${name}:${line}`);
  }

  it('reads back every written entry, sorted by name', () => {
    fc.assert(
      fc.property(namedEntries, fc.constantFrom('/host/binfmt_misc', '/binfmt'), fc.boolean(), (entries, folder, enabled) => {
        const listing = [
          `${folder}/status:${enabled ? 'enabled' : 'disabled'}`,
          ...entries.flatMap(({ name, fields }) => listingLines(folder, name, formatEntry(fields))),
        ].join('\n');

        const expectedHandlers = entries
          .map(({ name, fields }) => {
            const entry = expectedEntry(fields);
            return { name, ...entry, matches: platformsMatchedBy(entry), nativeFormats: nativeFormatsMatchedBy(entry, 'amd64') };
          })
          .sort((left, right) => compareText(left.name, right.name));
        expect(parseBinfmtListing(listing, 'amd64')).toEqual({ enabled, handlers: expectedHandlers });
      }),
      options,
    );
  });

  it('returns a result for any text', () => {
    const listingText = fc.oneof(
      fc.array(fc.tuple(fc.constantFrom('/binfmt/', '/host/binfmt_misc/', '', 'x:'), fc.string({ unit: 'binary', maxLength: 10 }), entryLine), { maxLength: 12 }).map((lines) =>
        lines.map(([folder, name, line]) => `${folder}${name}:${line}`).join('\n'),
      ),
      fc.string({ unit: 'binary', maxLength: 300 }),
    );
    fc.assert(
      fc.property(listingText, (listing) => {
        const result = parseBinfmtListing(listing, 'amd64');
        expect(typeof result.enabled).toBe('boolean');
        for (const handler of result.handlers) {
          expect(handler.mask.length).toBe(handler.magic.length);
        }
      }),
      options,
    );
  });
});

describe('toHex and fromHex', () => {
  it('round-trip any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        expect(fromHex(toHex(bytes))).toEqual([...bytes]);
      }),
      options,
    );
  });
});
