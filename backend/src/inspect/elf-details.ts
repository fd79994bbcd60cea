import type { ArmBuildAttributes, ArmElfFlags, ElfDetails, ElfLinkage } from '@arm-runner/contract';
import { parseArmAttributes } from './arm-attributes.ts';
import { ByteReader } from './byte-reader.ts';
import { EM_ARM, elfTypeName, machineName, osAbiName } from './elf-names.ts';

const ET_EXEC = 2;
const ET_DYN = 3;
const PT_INTERP = 3;
const SHT_ARM_ATTRIBUTES = 0x70000003;
const ARM_ATTRIBUTES_NAME = '.ARM.attributes';
// e_phnum and e_shstrndx contain these escape values when the real number is
// stored in section header 0 (sh_info and sh_link).
const PN_XNUM = 0xffff;
const SHN_XINDEX = 0xffff;

const EF_ARM_ABI_FLOAT_SOFT = 0x200;
const EF_ARM_ABI_FLOAT_HARD = 0x400;

/** Offsets of the ELF header fields that differ between 32-bit and 64-bit files. */
interface HeaderLayout {
  headerSize: number;
  phoff: number;
  shoff: number;
  flags: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
  minProgramHeaderSize: number;
  minSectionHeaderSize: number;
}

const LAYOUT_32: HeaderLayout = {
  headerSize: 52,
  phoff: 28,
  shoff: 32,
  flags: 36,
  phentsize: 42,
  phnum: 44,
  shentsize: 46,
  shnum: 48,
  shstrndx: 50,
  minProgramHeaderSize: 32,
  minSectionHeaderSize: 40,
};

const LAYOUT_64: HeaderLayout = {
  headerSize: 64,
  phoff: 32,
  shoff: 40,
  flags: 48,
  phentsize: 54,
  phnum: 56,
  shentsize: 58,
  shnum: 60,
  shstrndx: 62,
  minProgramHeaderSize: 56,
  minSectionHeaderSize: 64,
};

interface SectionHeader {
  name: number;
  type: number;
  offset: number;
  size: number;
  link: number;
  info: number;
}

/** The readable part of the section header table. Headers are read on demand, so a huge declared count costs no extra memory. */
interface SectionTable {
  offset: number;
  entrySize: number;
  /** Number of headers that lie within the bytes read. */
  count: number;
  first: SectionHeader;
}

/** The parts of an ELF file every reader below needs. */
interface ElfFile {
  reader: ByteReader;
  elfClass: 32 | 64;
  layout: HeaderLayout;
  warnings: string[];
}

/**
 * Reads an ELF file's header, its PT_INTERP program header and, for 32-bit
 * ARM, its build attributes. `bytes` may be only the start of the file. Parts
 * that lie beyond it are left out and named in `warnings`. Returns null when
 * the bytes are not ELF or the ELF header itself is incomplete. It does not
 * throw, because every read goes through a bounds-checked ByteReader.
 */
export function readElfDetails(bytes: Uint8Array): ElfDetails | null {
  if (bytes.length < 16 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    return null;
  }
  // e_ident[EI_CLASS] is 1 for 32-bit and 2 for 64-bit files. e_ident[EI_DATA]
  // is 1 for little-endian and 2 for big-endian.
  const classByte = bytes[4];
  const dataByte = bytes[5];
  if ((classByte !== 1 && classByte !== 2) || (dataByte !== 1 && dataByte !== 2)) {
    return null;
  }
  const elfClass = classByte === 1 ? 32 : 64;
  const layout = elfClass === 64 ? LAYOUT_64 : LAYOUT_32;
  if (bytes.length < layout.headerSize) {
    return null;
  }

  const file: ElfFile = { reader: new ByteReader(bytes, dataByte === 1), elfClass, layout, warnings: [] };
  const { reader } = file;
  const type = reader.u16(16) ?? 0;
  const machine = reader.u16(18) ?? 0;
  const flags = reader.u32(layout.flags) ?? 0;

  const sections = openSectionTable(file);
  const interpreter = readInterpreter(file, sections);
  const linkage = linkageOf(type, interpreter);

  return {
    elfClass,
    endianness: reader.littleEndian ? 'little' : 'big',
    osAbi: osAbiName(bytes[7] ?? 0),
    abiVersion: bytes[8] ?? 0,
    type: elfTypeName(type),
    machine: machineName(machine),
    flags,
    arm: machine === EM_ARM ? decodeArmFlags(flags) : null,
    interpreter: interpreter.found ? interpreter.path : null,
    linkage,
    armAttributes: machine === EM_ARM ? readArmAttributes(file, sections) : null,
    warnings: file.warnings,
  };
}

function linkageOf(type: number, interpreter: InterpreterResult): ElfLinkage {
  if (interpreter.found) {
    return 'dynamic';
  }
  if (!interpreter.readable) {
    return 'unknown';
  }
  if (type === ET_EXEC) {
    return 'static';
  }
  return type === ET_DYN ? 'static-pie' : 'unknown';
}

function decodeArmFlags(flags: number): ArmElfFlags {
  const eabiVersion = flags >>> 24;
  // The float bits carry this meaning from EABI version 5 on. Older EABI
  // versions use the same bits for other things.
  let floatAbi: ArmElfFlags['floatAbi'] = 'unspecified';
  if (eabiVersion >= 5 && (flags & EF_ARM_ABI_FLOAT_HARD) !== 0) {
    floatAbi = 'hard';
  } else if (eabiVersion >= 5 && (flags & EF_ARM_ABI_FLOAT_SOFT) !== 0) {
    floatAbi = 'soft';
  }
  return { eabiVersion, floatAbi };
}

interface InterpreterResult {
  /** True when a PT_INTERP header exists, even if its path could not be read. */
  found: boolean;
  path: string | null;
  /** False when the program header table could not be read to the end. */
  readable: boolean;
}

function readInterpreter(file: ElfFile, sections: SectionTable | null): InterpreterResult {
  const { reader, elfClass, layout } = file;
  const tableOffset = reader.word(layout.phoff, elfClass) ?? 0;
  const entrySize = reader.u16(layout.phentsize) ?? 0;
  let count = reader.u16(layout.phnum) ?? 0;
  if (count === PN_XNUM && sections !== null) {
    count = sections.first.info;
  }
  if (count === 0) {
    return { found: false, path: null, readable: true };
  }
  if (entrySize < layout.minProgramHeaderSize) {
    file.warnings.push(`The program header entry size ${entrySize} is smaller than ${layout.minProgramHeaderSize} bytes, so the program headers were not read.`);
    return { found: false, path: null, readable: false };
  }

  for (let index = 0; index < count; index += 1) {
    const start = tableOffset + index * entrySize;
    if (!reader.contains(start, entrySize)) {
      file.warnings.push('The program header table extends beyond the bytes read, so whether the program has a dynamic loader is unknown.');
      return { found: false, path: null, readable: false };
    }
    if (reader.u32(start) !== PT_INTERP) {
      continue;
    }
    const offset = reader.word(start + (elfClass === 64 ? 8 : 4), elfClass);
    const size = reader.word(start + (elfClass === 64 ? 32 : 16), elfClass);
    const text = offset === null || size === null || !reader.contains(offset, size) ? null : reader.cString(offset, offset + size);
    if (text === null) {
      file.warnings.push('The PT_INTERP program header points outside the bytes read or contains no NUL-terminated path.');
    }
    return { found: true, path: text?.text ?? null, readable: true };
  }
  return { found: false, path: null, readable: true };
}

/** Locates the section header table. Returns null when the file has none or it cannot be read. */
function openSectionTable(file: ElfFile): SectionTable | null {
  const { reader, elfClass, layout } = file;
  const offset = reader.word(layout.shoff, elfClass) ?? 0;
  const entrySize = reader.u16(layout.shentsize) ?? 0;
  if (offset === 0) {
    return null;
  }
  if (entrySize < layout.minSectionHeaderSize) {
    file.warnings.push(`The section header entry size ${entrySize} is smaller than ${layout.minSectionHeaderSize} bytes, so the sections were not read.`);
    return null;
  }

  const first = readSectionHeader(file, offset);
  if (first === null) {
    file.warnings.push('The section header table lies beyond the bytes read, so the sections were not read.');
    return null;
  }
  // A file with 0xff00 or more sections stores the count in section 0's sh_size.
  const declaredCount = reader.u16(layout.shnum) ?? 0;
  const count = declaredCount === 0 ? first.size : declaredCount;
  const readableCount = Math.min(count, Math.floor((reader.length - offset) / entrySize));
  if (readableCount < count) {
    file.warnings.push(`Only ${readableCount} of ${count} section headers lie within the bytes read.`);
  }
  return { offset, entrySize, count: readableCount, first };
}

function sectionAt(file: ElfFile, table: SectionTable, index: number): SectionHeader | null {
  return index >= 0 && index < table.count ? readSectionHeader(file, table.offset + index * table.entrySize) : null;
}

function readSectionHeader(file: ElfFile, start: number): SectionHeader | null {
  const { reader, elfClass, layout } = file;
  if (!reader.contains(start, layout.minSectionHeaderSize)) {
    return null;
  }
  const is64 = elfClass === 64;
  const name = reader.u32(start);
  const type = reader.u32(start + 4);
  const offset = reader.word(start + (is64 ? 24 : 16), elfClass);
  const size = reader.word(start + (is64 ? 32 : 20), elfClass);
  const link = reader.u32(start + (is64 ? 40 : 24));
  const info = reader.u32(start + (is64 ? 44 : 28));
  if (name === null || type === null || offset === null || size === null || link === null || info === null) {
    return null;
  }
  return { name, type, offset, size, link, info };
}

function readArmAttributes(file: ElfFile, sections: SectionTable | null): ArmBuildAttributes | null {
  if (sections === null) {
    return null;
  }
  const section = findSectionByType(file, sections, SHT_ARM_ATTRIBUTES) ?? findSectionByName(file, sections, ARM_ATTRIBUTES_NAME);
  if (section === null) {
    return null;
  }
  const { reader } = file;
  if (!reader.contains(section.offset, section.size)) {
    file.warnings.push('The .ARM.attributes section lies beyond the bytes read.');
    return null;
  }
  const attributes = parseArmAttributes(reader.bytes.subarray(section.offset, section.offset + section.size), reader.littleEndian);
  if (attributes === null) {
    file.warnings.push('The .ARM.attributes section is malformed, so the build attributes were not read.');
  }
  return attributes;
}

function findSectionByType(file: ElfFile, sections: SectionTable, type: number): SectionHeader | null {
  for (let index = 0; index < sections.count; index += 1) {
    const header = sectionAt(file, sections, index);
    if (header?.type === type) {
      return header;
    }
  }
  return null;
}

function findSectionByName(file: ElfFile, sections: SectionTable, sectionName: string): SectionHeader | null {
  const declaredIndex = file.reader.u16(file.layout.shstrndx) ?? 0;
  const index = declaredIndex === SHN_XINDEX ? sections.first.link : declaredIndex;
  const names = index === 0 ? null : sectionAt(file, sections, index);
  if (names === null || !file.reader.contains(names.offset, names.size)) {
    return null;
  }
  // Comparing bytes in place keeps the cost per section at the length of the name.
  const expected = Buffer.from(`${sectionName}\0`, 'latin1');
  for (let candidate = 0; candidate < sections.count; candidate += 1) {
    const header = sectionAt(file, sections, candidate);
    const start = header === null ? -1 : names.offset + header.name;
    if (header !== null && header.name + expected.length <= names.size && expected.equals(file.reader.bytes.subarray(start, start + expected.length))) {
      return header;
    }
  }
  return null;
}
