import type { ArmPlatform, BinfmtHandler } from '@arm-runner/contract';
import { compareText } from '../ordering.ts';

// Representative ELF headers (the first 20 bytes) of the programs each platform
// runs: e_ident, then e_type (ET_EXEC = 2, ET_DYN = 3) and e_machine
// (EM_ARM = 0x28, EM_AARCH64 = 0xb7), all little-endian. A handler "matches"
// a platform when the kernel would pick it for one of these headers.
function elfHeader(elfClass: number, type: number, machine: number): Uint8Array {
  const header = new Uint8Array(20);
  header.set([0x7f, 0x45, 0x4c, 0x46, elfClass, 1, 1, 0]);
  header[16] = type;
  header[18] = machine;
  return header;
}

const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ET_EXEC = 2;
const ET_DYN = 3;
const EM_ARM = 0x28;
const EM_AARCH64 = 0xb7;

const EM_386 = 0x03;
const EM_X86_64 = 0x3e;

const SAMPLE_HEADERS: Record<ArmPlatform, Uint8Array[]> = {
  'linux/arm/v6': [elfHeader(ELFCLASS32, ET_EXEC, EM_ARM), elfHeader(ELFCLASS32, ET_DYN, EM_ARM)],
  'linux/arm/v7': [elfHeader(ELFCLASS32, ET_EXEC, EM_ARM), elfHeader(ELFCLASS32, ET_DYN, EM_ARM)],
  'linux/arm64': [elfHeader(ELFCLASS64, ET_EXEC, EM_AARCH64), elfHeader(ELFCLASS64, ET_DYN, EM_AARCH64)],
};

// Formats each engine architecture runs without emulation. An x86-64 kernel
// also runs i386 programs. 32-bit ARM is left out for arm64, because many
// arm64 CPUs (Apple M-series among them) have no AArch32 mode.
const NATIVE_FORMATS: Record<string, { description: string; headers: Uint8Array[] }[]> = {
  amd64: [
    { description: 'x86-64 ELF', headers: [elfHeader(ELFCLASS64, ET_EXEC, EM_X86_64), elfHeader(ELFCLASS64, ET_DYN, EM_X86_64)] },
    { description: 'i386 ELF', headers: [elfHeader(ELFCLASS32, ET_EXEC, EM_386), elfHeader(ELFCLASS32, ET_DYN, EM_386)] },
  ],
  arm64: [{ description: 'AArch64 ELF', headers: [elfHeader(ELFCLASS64, ET_EXEC, EM_AARCH64), elfHeader(ELFCLASS64, ET_DYN, EM_AARCH64)] }],
};

export interface ParsedEntry {
  enabled: boolean;
  interpreter: string;
  flags: string[];
  offset: number;
  magic: string;
  mask: string;
}

/**
 * Parses the text of one /proc/sys/fs/binfmt_misc entry. Returns null for
 * entries that are not magic-based (extension entries) or cannot be read.
 */
export function parseBinfmtEntry(text: string): ParsedEntry | null {
  let enabled: boolean | undefined;
  let interpreter: string | undefined;
  let flags: string[] = [];
  let offset = 0;
  let magic: string | undefined;
  let mask: string | undefined;

  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === 'enabled' || line === 'disabled') {
      enabled = line === 'enabled';
    } else if (line.startsWith('interpreter ')) {
      interpreter = line.slice('interpreter '.length).trim();
    } else if (line.startsWith('flags:')) {
      flags = [...line.slice('flags:'.length).trim()].filter((flag) => /[A-Z]/.test(flag));
    } else if (line.startsWith('offset ')) {
      offset = Number.parseInt(line.slice('offset '.length), 10) || 0;
    } else if (line.startsWith('magic ')) {
      magic = line.slice('magic '.length).trim().toLowerCase();
    } else if (line.startsWith('mask ')) {
      mask = line.slice('mask '.length).trim().toLowerCase();
    }
  }

  if (enabled === undefined || interpreter === undefined || magic === undefined || !/^([0-9a-f]{2})+$/.test(magic)) {
    return null;
  }
  // Linux rejects a registration whose mask and magic differ in length
  // (create_entry in fs/binfmt_misc.c), so such text is not an entry it printed.
  if (mask !== undefined && (!/^([0-9a-f]{2})*$/.test(mask) || mask.length !== magic.length)) {
    return null;
  }
  return { enabled, interpreter, flags, offset, magic, mask: mask ?? 'ff'.repeat(magic.length / 2) };
}

function hexBytes(hex: string): number[] {
  const bytes: number[] = [];
  for (let index = 0; index + 1 < hex.length; index += 2) {
    bytes.push(Number.parseInt(hex.slice(index, index + 2), 16));
  }
  return bytes;
}

/** Applies the kernel's rule: (header[offset + i] & mask[i]) == (magic[i] & mask[i]) for every byte of magic. */
export function entryMatchesHeader(entry: Pick<ParsedEntry, 'offset' | 'magic' | 'mask'>, header: Uint8Array): boolean {
  const magic = hexBytes(entry.magic);
  const mask = hexBytes(entry.mask);
  if (entry.offset + magic.length > header.length) {
    return false;
  }
  return magic.every((magicByte, index) => {
    const maskByte = mask[index] ?? 0xff;
    const headerByte = header[entry.offset + index] ?? 0;
    return (headerByte & maskByte) === (magicByte & maskByte);
  });
}

export function platformsMatchedBy(entry: Pick<ParsedEntry, 'offset' | 'magic' | 'mask'>): ArmPlatform[] {
  return (Object.keys(SAMPLE_HEADERS) as ArmPlatform[]).filter((platform) =>
    SAMPLE_HEADERS[platform].some((header) => entryMatchesHeader(entry, header)),
  );
}

/** Returns the formats that an engine of this architecture runs natively and that the entry matches. */
export function nativeFormatsMatchedBy(entry: Pick<ParsedEntry, 'offset' | 'magic' | 'mask'>, engineArchitecture: string): string[] {
  return (NATIVE_FORMATS[engineArchitecture] ?? [])
    .filter((format) => format.headers.some((header) => entryMatchesHeader(entry, header)))
    .map((format) => format.description);
}

/**
 * Builds the handler list from the `grep -rH ''` output of a binfmt_misc
 * folder, whose lines read `<folder>/<entry>:<line>`.
 * Returns the handlers and whether binfmt_misc as a whole is enabled.
 */
export function parseBinfmtListing(listing: string, engineArchitecture: string): { enabled: boolean; handlers: BinfmtHandler[] } {
  const entries = new Map<string, string[]>();
  for (const line of listing.split('\n')) {
    // The folder (/host/binfmt_misc or /binfmt) has no colon, so the entry name
    // ends at the first one. A later colon may be part of an interpreter path.
    const match = /^(?:[^:]*\/)?([^/:]+):(.*)$/.exec(line);
    if (match === null) {
      continue;
    }
    const [, name, content] = match;
    if (name === undefined || content === undefined) {
      continue;
    }
    const lines = entries.get(name) ?? [];
    lines.push(content);
    entries.set(name, lines);
  }

  const status = entries.get('status')?.join('\n').trim();
  const handlers: BinfmtHandler[] = [];
  for (const [name, lines] of entries) {
    if (name === 'status' || name === 'register') {
      continue;
    }
    const parsed = parseBinfmtEntry(lines.join('\n'));
    if (parsed === null) {
      continue;
    }
    handlers.push({ name, ...parsed, matches: platformsMatchedBy(parsed), nativeFormats: nativeFormatsMatchedBy(parsed, engineArchitecture) });
  }
  handlers.sort((left, right) => compareText(left.name, right.name));

  return { enabled: status !== 'disabled', handlers };
}
