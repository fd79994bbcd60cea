import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { readElfInfo, type ElfInfo } from './elf.ts';

// A fixed seed keeps runs reproducible. A failure report also prints the seed
// and the path of the shrunk counterexample.
const options = { seed: 0xe1f, numRuns: 200 };

const PT_INTERP = 3;

interface ElfLayout {
  elfClass: 32 | 64;
  littleEndian: boolean;
  machine: number;
  programHeaderOffset: number;
  programHeaderSize: number;
  /** p_type of each program header. */
  types: number[];
}

/**
 * Writes an ELF header and a program header table from the layout. Only the
 * fields readElfInfo reads are set, and every other byte is zero.
 */
function buildElf(layout: ElfLayout): Uint8Array {
  const headerSize = layout.elfClass === 64 ? 64 : 52;
  const tableEnd = layout.programHeaderOffset + layout.types.length * layout.programHeaderSize;
  const bytes = new Uint8Array(Math.max(headerSize, tableEnd));
  const view = new DataView(bytes.buffer);
  const le = layout.littleEndian;

  bytes.set([0x7f, 0x45, 0x4c, 0x46, layout.elfClass === 64 ? 2 : 1, le ? 1 : 2, 1]);
  view.setUint16(18, layout.machine, le);
  if (layout.elfClass === 64) {
    view.setBigUint64(32, BigInt(layout.programHeaderOffset), le);
    view.setUint16(54, layout.programHeaderSize, le);
    view.setUint16(56, layout.types.length, le);
  } else {
    view.setUint32(28, layout.programHeaderOffset, le);
    view.setUint16(42, layout.programHeaderSize, le);
    view.setUint16(44, layout.types.length, le);
  }
  layout.types.forEach((type, index) => {
    view.setUint32(layout.programHeaderOffset + index * layout.programHeaderSize, type, le);
  });
  return bytes;
}

/** What readElfInfo should return for the first `length` bytes of a file built from `layout`. */
function expectedInfo(layout: ElfLayout, length: number): ElfInfo | null {
  const headerSize = layout.elfClass === 64 ? 64 : 52;
  const tableFits = layout.types.every((_type, index) => layout.programHeaderOffset + index * layout.programHeaderSize + 4 <= length);
  if (length < headerSize || !tableFits) {
    return null;
  }
  return {
    elfClass: layout.elfClass,
    littleEndian: layout.littleEndian,
    machine: layout.machine,
    hasInterpreter: layout.types.includes(PT_INTERP),
  };
}

const layout: fc.Arbitrary<ElfLayout> = fc
  .record({
    elfClass: fc.constantFrom<32 | 64>(32, 64),
    littleEndian: fc.boolean(),
    machine: fc.oneof(fc.constantFrom(0x28, 0xb7, 0x3e, 0x03), fc.nat(0xffff)),
    gap: fc.nat(64),
    // Entries of 4 bytes or more never overlap, so each keeps its p_type.
    programHeaderSize: fc.oneof(fc.constantFrom(32, 56), fc.integer({ min: 4, max: 64 })),
    types: fc.array(fc.oneof(fc.constantFrom(0, 1, 2, PT_INTERP, 4, 6, 7, 0x6474e551), fc.nat(0xffffffff)), { maxLength: 12 }),
  })
  .map(({ gap, ...rest }) => ({ ...rest, programHeaderOffset: (rest.elfClass === 64 ? 64 : 52) + gap }));

/** Checks what any non-null result must share with the bytes it came from. */
function expectConsistentWithBytes(info: ElfInfo | null, bytes: Uint8Array): void {
  if (info === null) {
    return;
  }
  expect([...bytes.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
  expect(info.elfClass).toBe(bytes[4] === 1 ? 32 : 64);
  expect(info.littleEndian).toBe(bytes[5] === 1);
  const low = info.littleEndian ? bytes[18] : bytes[19];
  const high = info.littleEndian ? bytes[19] : bytes[18];
  expect(info.machine).toBe((low ?? 0) + (high ?? 0) * 256);
}

/** Reads the first 64 KiB of a file, which hold the headers of these programs. */
function head(path: string): Uint8Array {
  const bytes = new Uint8Array(65536);
  const descriptor = openSync(path, 'r');
  try {
    return bytes.subarray(0, readSync(descriptor, bytes, 0, bytes.length, 0));
  } finally {
    closeSync(descriptor);
  }
}

describe('readElfInfo on generated headers', () => {
  it('reads back the fields a header was built from', () => {
    fc.assert(
      fc.property(layout, (generated) => {
        const bytes = buildElf(generated);
        expect(readElfInfo(bytes)).toEqual(expectedInfo(generated, bytes.length));
      }),
      options,
    );
  });

  it('returns null when the file ends inside the header or the table', () => {
    fc.assert(
      fc.property(layout, fc.nat(), (generated, cut) => {
        const bytes = buildElf(generated);
        const length = cut % (bytes.length + 1);
        expect(readElfInfo(bytes.subarray(0, length))).toEqual(expectedInfo(generated, length));
      }),
      options,
    );
  });

  it('reads a header that starts inside a larger buffer', () => {
    fc.assert(
      fc.property(layout, fc.uint8Array({ maxLength: 16 }), (generated, before) => {
        const bytes = buildElf(generated);
        const buffer = new Uint8Array(before.length + bytes.length);
        buffer.set(before);
        buffer.set(bytes, before.length);
        expect(readElfInfo(buffer.subarray(before.length))).toEqual(expectedInfo(generated, bytes.length));
      }),
      options,
    );
  });

  it('returns null for an unknown class or byte order', () => {
    fc.assert(
      fc.property(layout, fc.integer({ min: 4, max: 5 }), fc.nat(255), (generated, field, value) => {
        fc.pre(value !== 1 && value !== 2);
        const bytes = buildElf(generated);
        bytes[field] = value;
        expect(readElfInfo(bytes)).toBeNull();
      }),
      options,
    );
  });

  it('returns null for a table offset past the end', () => {
    const farOffset32 = fc.integer({ min: 1 << 20, max: 0xffffffff });
    const farOffset64 = fc.bigInt({ min: 1n << 20n, max: (1n << 64n) - 1n });
    fc.assert(
      fc.property(layout, farOffset32, farOffset64, (generated, offset32, offset64) => {
        fc.pre(generated.types.length > 0);
        const bytes = buildElf(generated);
        const view = new DataView(bytes.buffer);
        if (generated.elfClass === 64) {
          view.setBigUint64(32, offset64, generated.littleEndian);
        } else {
          view.setUint32(28, offset32, generated.littleEndian);
        }
        expect(readElfInfo(bytes)).toBeNull();
      }),
      options,
    );
  });
});

describe('readElfInfo on arbitrary bytes', () => {
  const elfPrefix = fc
    .tuple(fc.nat(3), fc.nat(3), fc.uint8Array({ maxLength: 200 }))
    .map(([elfClass, data, rest]) => new Uint8Array([0x7f, 0x45, 0x4c, 0x46, elfClass, data, ...rest]));

  it('returns null or a result that agrees with the bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), elfPrefix), (bytes) => {
        expectConsistentWithBytes(readElfInfo(bytes), bytes);
      }),
      options,
    );
  });

  it('reads 65535 entries of size 0 and rejects 65535 of size 65535', () => {
    fc.assert(
      fc.property(layout, fc.constantFrom(0, 65535), (generated, size) => {
        // One zero entry makes the table fit before the count is raised.
        const bytes = buildElf({ ...generated, types: [0] });
        const view = new DataView(bytes.buffer);
        const [sizeOffset, countOffset] = generated.elfClass === 64 ? [54, 56] : [42, 44];
        view.setUint16(sizeOffset, size, generated.littleEndian);
        view.setUint16(countOffset, 65535, generated.littleEndian);

        const info = readElfInfo(bytes);
        if (size === 0) {
          expect(info).toEqual({ elfClass: generated.elfClass, littleEndian: generated.littleEndian, machine: generated.machine, hasInterpreter: false });
        } else {
          expect(info).toBeNull();
        }
      }),
      { ...options, numRuns: 20 },
    );
  });
});

// Corrupts and truncates real programs: the dynamically linked ls and node of
// this machine, and, when scripts/fetch-debs.sh has run, Debian's static
// busybox for each architecture.
const SYSTEM_PROGRAMS = ['/bin/ls', process.execPath];
const debsFolder = fileURLToPath(new URL('../../../build/debs', import.meta.url));
const BUSYBOX_MACHINES: Record<string, { machine: number; elfClass: 32 | 64 }> = {
  armhf: { machine: 0x28, elfClass: 32 },
  armel: { machine: 0x28, elfClass: 32 },
  arm64: { machine: 0xb7, elfClass: 64 },
  amd64: { machine: 0x3e, elfClass: 64 },
};
const busyboxPaths = Object.keys(BUSYBOX_MACHINES).map((arch) => `${debsFolder}/${arch}/bin/busybox`);
const haveBusybox = busyboxPaths.every((path) => existsSync(path));

/** Adds the tests that use the files at `paths` as seeds. The files are read when a test runs. */
function describeSeeds(paths: string[]): void {
  const loadSeeds = (): fc.Arbitrary<{ path: string; bytes: Uint8Array }> =>
    fc.constantFrom(...paths.map((path) => ({ path, bytes: head(path) })));

  it('reads each file', () => {
    for (const path of paths) {
      expect(readElfInfo(head(path)), path).not.toBeNull();
    }
  });

  it('returns null or the full result for any prefix', () => {
    fc.assert(
      fc.property(loadSeeds(), fc.nat(), ({ bytes }, cut) => {
        // Most interesting cuts fall inside the headers, so half the cuts stay in the first 4 KiB.
        const length = cut % 2 === 0 ? cut % 4096 : cut % (bytes.length + 1);
        const info = readElfInfo(bytes.subarray(0, length));
        if (info !== null) {
          expect(info).toEqual(readElfInfo(bytes));
        }
      }),
      options,
    );
  });

  it('survives corrupted header bytes', () => {
    const corruption = fc.array(fc.tuple(fc.nat(511), fc.nat(255)), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(loadSeeds(), corruption, ({ bytes }, changes) => {
        const corrupted = bytes.slice(0, 4096);
        for (const [index, value] of changes) {
          corrupted[index] = value;
        }
        expectConsistentWithBytes(readElfInfo(corrupted), corrupted);
      }),
      options,
    );
  });
}

describe('readElfInfo on system programs', () => {
  describeSeeds(SYSTEM_PROGRAMS);
});

describe('readElfInfo on Debian busybox', () => {
  beforeAll(() => {
    if (!haveBusybox) {
      throw new Error(`Debian's busybox-static is missing under ${debsFolder}. Run "bash scripts/fetch-debs.sh" (or scripts/prepare-assets.sh) first.`);
    }
  });

  it('reads class and machine of each architecture as statically linked', () => {
    for (const [arch, expected] of Object.entries(BUSYBOX_MACHINES)) {
      const info = readElfInfo(head(`${debsFolder}/${arch}/bin/busybox`));
      expect(info, arch).toEqual({ ...expected, littleEndian: true, hasInterpreter: false });
    }
  });

  describeSeeds(busyboxPaths);
});
