/**
 * Bounds-checked reads from a byte array. Every method returns null instead of
 * throwing when the requested bytes lie outside the array, so parsers of
 * untrusted files can stop cleanly at the first bad offset.
 */
export class ByteReader {
  readonly bytes: Uint8Array;
  readonly littleEndian: boolean;
  private readonly view: DataView;

  constructor(bytes: Uint8Array, littleEndian: boolean) {
    this.bytes = bytes;
    this.littleEndian = littleEndian;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Returns true when `size` bytes starting at `offset` lie inside the array. */
  contains(offset: number, size: number): boolean {
    return Number.isSafeInteger(offset) && Number.isSafeInteger(size) && offset >= 0 && size >= 0 && offset + size <= this.bytes.length;
  }

  u8(offset: number): number | null {
    return this.contains(offset, 1) ? this.view.getUint8(offset) : null;
  }

  u16(offset: number): number | null {
    return this.contains(offset, 2) ? this.view.getUint16(offset, this.littleEndian) : null;
  }

  u32(offset: number): number | null {
    return this.contains(offset, 4) ? this.view.getUint32(offset, this.littleEndian) : null;
  }

  /** Reads a 64-bit value. Returns null when it does not fit in a safe JavaScript integer. */
  u64(offset: number): number | null {
    if (!this.contains(offset, 8)) {
      return null;
    }
    const value = this.view.getBigUint64(offset, this.littleEndian);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(value);
  }

  /** Reads a 32-bit value from a 32-bit ELF file or a 64-bit value from a 64-bit one. */
  word(offset: number, elfClass: 32 | 64): number | null {
    return elfClass === 64 ? this.u64(offset) : this.u32(offset);
  }

  /**
   * Reads a NUL-terminated string that starts at `offset` and ends before
   * `end`. Returns null when no NUL appears in that range.
   */
  cString(offset: number, end: number = this.bytes.length): { text: string; next: number } | null {
    const limit = Math.min(end, this.bytes.length);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= limit) {
      return null;
    }
    const nul = this.bytes.subarray(0, limit).indexOf(0, offset);
    if (nul === -1) {
      return null;
    }
    return { text: Buffer.from(this.bytes.subarray(offset, nul)).toString('latin1'), next: nul + 1 };
  }

  /**
   * Reads an unsigned LEB128 number that ends before `end`. Returns null when
   * it runs past `end` or past 2^53, the largest safe JavaScript integer.
   */
  uleb128(offset: number, end: number = this.bytes.length): { value: number; next: number } | null {
    const limit = Math.min(end, this.bytes.length);
    let value = 0;
    let multiplier = 1;
    for (let position = offset; position >= 0 && position < limit; position += 1) {
      const byte = this.bytes[position] as number;
      value += (byte & 0x7f) * multiplier;
      if (!Number.isSafeInteger(value)) {
        return null;
      }
      if ((byte & 0x80) === 0) {
        return { value, next: position + 1 };
      }
      multiplier *= 128;
    }
    return null;
  }
}
