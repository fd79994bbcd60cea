// fast-check generators and a writer of binfmt_misc entry text, shared by the
// property tests of the entry parser and of the registration line writer.
import fc from 'fast-check';

/** The fields of a magic entry as the kernel prints them. */
export interface EntryFields {
  enabled: boolean;
  interpreter: string;
  /** Letters from P, O, C and F, in that order, which is the kernel's print order. */
  flags: string[];
  offset: number;
  /** Lowercase hex, two digits a byte. */
  magic: string;
  /** Lowercase hex of the same length as magic. The kernel prints no mask line when none was registered. */
  mask?: string | undefined;
}

export const FLAG_ORDER = ['P', 'O', 'C', 'F'];

export function toHex(bytes: Iterable<number>): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

export function fromHex(hex: string): number[] {
  return (hex.match(/../g) ?? []).map((pair) => Number.parseInt(pair, 16));
}

const pathSegment = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-'), minLength: 1, maxLength: 12 });

/**
 * Returns a generator of absolute interpreter paths. With `colons`, segments
 * may contain ":", which Linux allows when the registration line uses another
 * delimiter.
 */
export function interpreterPath(colons: boolean): fc.Arbitrary<string> {
  const segment = colons ? fc.oneof(pathSegment, fc.tuple(pathSegment, pathSegment).map(([left, right]) => `${left}:${right}`)) : pathSegment;
  return fc.array(segment, { minLength: 1, maxLength: 5 }).map((segments) => `/${segments.join('/')}`);
}

/** Magic and mask bytes of equal length, 1 to 32 bytes long. QEMU's own entries use 20. */
export const magicAndMask = fc
  .integer({ min: 1, max: 32 })
  .chain((length) =>
    fc.tuple(fc.uint8Array({ minLength: length, maxLength: length }), fc.uint8Array({ minLength: length, maxLength: length })),
  );

export function entryFields(colonsInInterpreter = false): fc.Arbitrary<EntryFields> {
  return fc
    .record({
      enabled: fc.boolean(),
      interpreter: interpreterPath(colonsInInterpreter),
      flags: fc.subarray(FLAG_ORDER),
      offset: fc.integer({ min: 0, max: 200 }),
      bytes: magicAndMask,
      hasMask: fc.boolean(),
    })
    .map(({ bytes: [magic, mask], hasMask, ...rest }) => ({ ...rest, magic: toHex(magic), mask: hasMask ? toHex(mask) : undefined }));
}

/** Writes an entry in the layout of the kernel's /proc/sys/fs/binfmt_misc/<name> file. */
export function formatEntry(fields: EntryFields): string {
  const lines = [
    fields.enabled ? 'enabled' : 'disabled',
    `interpreter ${fields.interpreter}`,
    `flags: ${fields.flags.join('')}`,
    `offset ${fields.offset}`,
    `magic ${fields.magic}`,
    ...(fields.mask === undefined ? [] : [`mask ${fields.mask}`]),
  ];
  return `${lines.join('\n')}\n`;
}
