/** Facts from an ELF file's header and program headers. */
export interface ElfInfo {
  elfClass: 32 | 64;
  littleEndian: boolean;
  machine: number;
  /** True when a PT_INTERP program header names a dynamic loader. */
  hasInterpreter: boolean;
}

const PT_INTERP = 3;

/**
 * Reads the ELF header and program header table from the start of a file.
 * Returns null when the bytes are not ELF or the table lies beyond `bytes`.
 */
export function readElfInfo(bytes: Uint8Array): ElfInfo | null {
  if (bytes.length < 52 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    return null;
  }
  // e_ident[EI_CLASS] is 1 for 32-bit and 2 for 64-bit. e_ident[EI_DATA] is 1
  // for little-endian and 2 for big-endian.
  if ((bytes[4] !== 1 && bytes[4] !== 2) || (bytes[5] !== 1 && bytes[5] !== 2)) {
    return null;
  }
  const elfClass = bytes[4] === 1 ? 32 : 64;
  const littleEndian = bytes[5] === 1;

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (offset: number): number => view.getUint16(offset, littleEndian);
  const u32 = (offset: number): number => view.getUint32(offset, littleEndian);
  const u64 = (offset: number): number => Number(view.getBigUint64(offset, littleEndian));

  if (elfClass === 64 && bytes.length < 64) {
    return null;
  }
  const machine = u16(18);
  const programHeaderOffset = elfClass === 64 ? u64(32) : u32(28);
  const programHeaderSize = elfClass === 64 ? u16(54) : u16(42);
  const programHeaderCount = elfClass === 64 ? u16(56) : u16(44);

  let hasInterpreter = false;
  for (let index = 0; index < programHeaderCount; index += 1) {
    const start = programHeaderOffset + index * programHeaderSize;
    if (start + 4 > bytes.length) {
      return null;
    }
    if (u32(start) === PT_INTERP) {
      hasInterpreter = true;
    }
  }

  return { elfClass, littleEndian, machine, hasInterpreter };
}
