import type { ArmBuildAttributes } from '@arm-runner/contract';
import { ByteReader } from './byte-reader.ts';
import { advancedSimdArchName, cpuArchName, cpuArchProfileName, fpArchName } from './elf-names.ts';

// Layout of a .ARM.attributes section, from the ARM build-attributes addenda:
//   'A' format version byte
//   subsections: uint32 length (counting itself), NUL-terminated vendor name, data
//   the "aeabi" subsection's data: groups of ULEB128 scope tag, uint32 length
//   (counting the tag and itself), then attributes. Scope tag 1 (Tag_File)
//   applies to the whole file; tags 2 and 3 list section or symbol numbers first.
// Attribute values are ULEB128 numbers or NUL-terminated strings, depending on the tag.

const FORMAT_VERSION = 0x41;
const TAG_FILE = 1;

const TAG_CPU_RAW_NAME = 4;
const TAG_CPU_NAME = 5;
const TAG_CPU_ARCH = 6;
const TAG_CPU_ARCH_PROFILE = 7;
const TAG_FP_ARCH = 10;
const TAG_ADVANCED_SIMD_ARCH = 12;
const TAG_COMPATIBILITY = 32;

type AttributeValue = { kind: 'number'; value: number } | { kind: 'string'; value: string };

/**
 * Reads the file-scope attributes of the "aeabi" subsection. Returns null when
 * the section is malformed before any file-scope attribute could be read, and
 * the attributes read so far when it breaks off later.
 */
export function parseArmAttributes(section: Uint8Array, littleEndian: boolean): ArmBuildAttributes | null {
  const reader = new ByteReader(section, littleEndian);
  if (reader.u8(0) !== FORMAT_VERSION) {
    return null;
  }

  let offset = 1;
  while (offset < reader.length) {
    const length = reader.u32(offset);
    if (length === null || length < 5 || !reader.contains(offset, length)) {
      return null;
    }
    const end = offset + length;
    const vendor = reader.cString(offset + 4, end);
    if (vendor === null) {
      return null;
    }
    if (vendor.text === 'aeabi') {
      return parseAeabiSubsection(reader, vendor.next, end);
    }
    offset = end;
  }
  return null;
}

function parseAeabiSubsection(reader: ByteReader, start: number, end: number): ArmBuildAttributes | null {
  let offset = start;
  while (offset < end) {
    const scope = reader.uleb128(offset, end);
    const length = scope === null ? null : reader.u32(scope.next);
    if (scope === null || length === null || length < scope.next + 4 - offset || offset + length > end) {
      return null;
    }
    if (scope.value === TAG_FILE) {
      return collectFileAttributes(reader, scope.next + 4, offset + length);
    }
    offset += length;
  }
  return null;
}

function collectFileAttributes(reader: ByteReader, start: number, end: number): ArmBuildAttributes {
  const attributes: ArmBuildAttributes = { cpuName: null, cpuArch: null, cpuArchProfile: null, fpArch: null, advancedSimdArch: null };

  let offset = start;
  while (offset < end) {
    const tag = reader.uleb128(offset, end);
    if (tag === null) {
      break;
    }
    const value = readAttributeValue(reader, tag.value, tag.next, end);
    if (value === null) {
      break;
    }
    storeAttribute(attributes, tag.value, value.value);
    offset = value.next;
  }
  return attributes;
}

/**
 * Reads the value of one attribute. Tags 4 and 5 take a string and tag 32
 * takes a number followed by a string. Other tags below 32 take a number.
 * From 32 on, odd tags take a string and even tags a number, which lets a
 * reader skip tags it does not know. Tag 65 (Tag_also_compatible_with) is odd,
 * so it is skipped as a string, as binutils writes it.
 */
function readAttributeValue(reader: ByteReader, tag: number, offset: number, end: number): { value: AttributeValue; next: number } | null {
  if (tag === TAG_COMPATIBILITY) {
    const flag = reader.uleb128(offset, end);
    const vendor = flag === null ? null : reader.cString(flag.next, end);
    return vendor === null ? null : { value: { kind: 'string', value: vendor.text }, next: vendor.next };
  }

  const takesString = tag === TAG_CPU_RAW_NAME || tag === TAG_CPU_NAME || (tag > TAG_COMPATIBILITY && tag % 2 === 1);
  if (takesString) {
    const text = reader.cString(offset, end);
    return text === null ? null : { value: { kind: 'string', value: text.text }, next: text.next };
  }
  const number = reader.uleb128(offset, end);
  return number === null ? null : { value: { kind: 'number', value: number.value }, next: number.next };
}

function storeAttribute(attributes: ArmBuildAttributes, tag: number, value: AttributeValue): void {
  if (value.kind === 'string') {
    if (tag === TAG_CPU_NAME) {
      attributes.cpuName = value.value;
    }
    return;
  }
  switch (tag) {
    case TAG_CPU_ARCH:
      attributes.cpuArch = cpuArchName(value.value);
      break;
    case TAG_CPU_ARCH_PROFILE:
      attributes.cpuArchProfile = cpuArchProfileName(value.value);
      break;
    case TAG_FP_ARCH:
      attributes.fpArch = fpArchName(value.value);
      break;
    case TAG_ADVANCED_SIMD_ARCH:
      attributes.advancedSimdArch = advancedSimdArchName(value.value);
      break;
  }
}
