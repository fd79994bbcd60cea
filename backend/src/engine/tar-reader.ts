// Reads tar archives as a stream: ustar and GNU headers, GNU long names and
// long link targets (types L and K), and pax extended headers (type x) for
// path, linkpath and size. Docker's exports and archives use these formats.

import { open, type FileHandle } from 'node:fs/promises';
import { TAR_BLOCK_SIZE } from './tar.ts';

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'directory' | 'character-device' | 'block-device' | 'fifo' | 'other';

export interface TarEntryHeader {
  name: string;
  type: TarEntryType;
  mode: number;
  /** Content length in bytes. */
  size: number;
  /** Target of a hard link (relative to the archive root) or of a symlink, else ''. */
  linkname: string;
}

export interface TarReadEntry {
  header: TarEntryHeader;
  /**
   * The entry's content in chunks. It can be read once, and only before the
   * next entry is requested. Content that is not read is skipped.
   */
  content: AsyncIterable<Buffer>;
}

/** An archive that is not a readable tar: a bad checksum, or an end inside an entry. */
export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

const TYPE_BY_FLAG: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
};

/** The byte source of readEntries: a stream or a file. */
interface ByteSource {
  /** Returns exactly `length` bytes, or null when the source ends first. */
  read(length: number): Promise<Buffer | null>;
  /** Returns between 1 and `maxLength` bytes, or null at the end. */
  readSome(maxLength: number): Promise<Buffer | null>;
  /** Skips `length` bytes, and returns false when the source ends first. */
  skip(length: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Reads exact byte counts from a stream of chunks of any size. */
class StreamByteSource implements ByteSource {
  private buffered: Buffer[] = [];
  private bufferedLength = 0;
  private ended = false;

  constructor(private readonly chunks: AsyncIterator<Buffer>) {}

  /** Buffers at least `length` bytes, and returns false when the stream ends first. */
  private async fill(length: number): Promise<boolean> {
    while (this.bufferedLength < length && !this.ended) {
      const next = await this.chunks.next();
      if (next.done === true) {
        this.ended = true;
      } else if (next.value.length > 0) {
        this.buffered.push(next.value);
        this.bufferedLength += next.value.length;
      }
    }
    return this.bufferedLength >= length;
  }

  async readSome(maxLength: number): Promise<Buffer | null> {
    if (!(await this.fill(1))) {
      return null;
    }
    const first = this.buffered[0] as Buffer;
    const part = first.subarray(0, maxLength);
    if (part.length === first.length) {
      this.buffered.shift();
    } else {
      this.buffered[0] = first.subarray(part.length);
    }
    this.bufferedLength -= part.length;
    return part;
  }

  async read(length: number): Promise<Buffer | null> {
    if (!(await this.fill(length))) {
      return null;
    }
    const all = this.buffered.length === 1 ? (this.buffered[0] as Buffer) : Buffer.concat(this.buffered);
    this.buffered = all.length > length ? [all.subarray(length)] : [];
    this.bufferedLength -= length;
    return all.subarray(0, length);
  }

  async skip(length: number): Promise<boolean> {
    let remaining = length;
    while (remaining > 0) {
      const part = await this.readSome(remaining);
      if (part === null) {
        return false;
      }
      remaining -= part.length;
    }
    return true;
  }

  /** Ends the iteration, which destroys a Node stream. */
  async close(): Promise<void> {
    await this.chunks.return?.();
  }
}

/** The size of the buffer that FileByteSource reuses for content. */
const FILE_CHUNK_SIZE = 64 * 1024;

/**
 * Reads a tar file at explicit positions. Content comes in one reused
 * buffer and skipped content is never read, so that checking a large
 * archive allocates almost nothing. Node's allocator keeps freed chunk
 * memory, so a stream of fresh chunks would raise the process's resident
 * memory by about the archive's size.
 */
class FileByteSource implements ByteSource {
  private position = 0;
  private readonly chunk = Buffer.alloc(FILE_CHUNK_SIZE);

  constructor(
    private readonly file: FileHandle,
    private readonly size: number,
  ) {}

  async read(length: number): Promise<Buffer | null> {
    if (this.position + length > this.size) {
      return null;
    }
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await this.file.read(buffer, 0, length, this.position);
    this.position += bytesRead;
    return bytesRead === length ? buffer : null;
  }

  async readSome(maxLength: number): Promise<Buffer | null> {
    const length = Math.min(maxLength, this.chunk.length);
    const { bytesRead } = await this.file.read(this.chunk, 0, length, this.position);
    this.position += bytesRead;
    return bytesRead === 0 ? null : this.chunk.subarray(0, bytesRead);
  }

  skip(length: number): Promise<boolean> {
    this.position += length;
    return Promise.resolve(this.position <= this.size);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

function readString(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}

/** Reads a numeric field: octal digits, or GNU base-256 when the high bit of the first byte is set. */
function readNumber(block: Buffer, offset: number, length: number): number {
  const field = block.subarray(offset, offset + length);
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let value = (field[0] ?? 0) & 0x7f;
    for (const byte of field.subarray(1)) {
      value = value * 256 + byte;
    }
    return value;
  }
  const text = field.toString('ascii').replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function checksumMatches(block: Buffer): boolean {
  const stored = readNumber(block, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let index = 0; index < TAR_BLOCK_SIZE; index += 1) {
    const byte = index >= 148 && index < 156 ? 0x20 : (block[index] as number);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

/** Parses pax records ("<length> <key>=<value>\n") into a map. */
export function parsePaxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    const length = space === -1 ? NaN : Number(data.subarray(offset, space).toString('ascii'));
    if (!Number.isInteger(length) || length <= 0 || offset + length > data.length) {
      throw new TarFormatError('the archive has an invalid pax record');
    }
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals > 0) {
      records.set(record.slice(0, equals), record.slice(equals + 1));
    }
    offset += length;
  }
  return records;
}

/** Overrides that pax and GNU headers set for the entry that follows them. */
interface PendingOverrides {
  name?: string;
  linkname?: string;
  size?: number;
}

function parseHeader(block: Buffer, overrides: PendingOverrides): TarEntryHeader {
  const typeFlag = String.fromCharCode(block[156] ?? 0);
  let name = readString(block, 0, 100);
  // The prefix field exists only in POSIX ustar ("ustar\0"). GNU headers ("ustar  ") use those bytes for other fields.
  if (block.toString('ascii', 257, 263) === 'ustar\0') {
    const prefix = readString(block, 345, 155);
    if (prefix !== '') {
      name = `${prefix}/${name}`;
    }
  }
  name = overrides.name ?? name;

  let type = TYPE_BY_FLAG[typeFlag] ?? 'other';
  // Old (v7) archives mark a directory only by a trailing slash.
  if (type === 'file' && typeFlag !== '7' && name.endsWith('/')) {
    type = 'directory';
  }
  return {
    name,
    type,
    mode: readNumber(block, 100, 8),
    size: overrides.size ?? readNumber(block, 124, 12),
    linkname: overrides.linkname ?? readString(block, 157, 100),
  };
}

async function readEntryData(reader: ByteSource, size: number): Promise<Buffer> {
  const data = await reader.read(size);
  if (data === null || !(await reader.skip(paddingLength(size)))) {
    throw new TarFormatError('the archive ends inside an extended header');
  }
  return data;
}

function paddingLength(size: number): number {
  const remainder = size % TAR_BLOCK_SIZE;
  return remainder === 0 ? 0 : TAR_BLOCK_SIZE - remainder;
}

/**
 * Reads a tar stream entry by entry. Stops at the end-of-archive zero block
 * or at the end of the stream. Throws TarFormatError for a header with a bad
 * checksum or a stream that ends inside an entry. Stopping early (a `break`)
 * ends the source's iteration, which destroys a Node stream.
 */
export function readTar(source: AsyncIterable<Buffer>): AsyncGenerator<TarReadEntry> {
  return readEntries(new StreamByteSource(source[Symbol.asyncIterator]()));
}

/**
 * Reads a tar file entry by entry, like readTar. Each content chunk is a view
 * of one reused buffer that the next chunk overwrites, so copy a chunk to
 * keep it.
 */
export async function* readTarFile(path: string): AsyncGenerator<TarReadEntry> {
  const file = await open(path, 'r');
  let size: number;
  try {
    size = (await file.stat()).size;
  } catch (error) {
    await file.close();
    throw error;
  }
  yield* readEntries(new FileByteSource(file, size));
}

async function* readEntries(reader: ByteSource): AsyncGenerator<TarReadEntry> {
  let overrides: PendingOverrides = {};
  try {
    for (;;) {
      const block = await reader.read(TAR_BLOCK_SIZE);
      if (block === null || block.every((byte) => byte === 0)) {
        return;
      }
      if (!checksumMatches(block)) {
        throw new TarFormatError('the archive has a tar header with a bad checksum');
      }

      const typeFlag = String.fromCharCode(block[156] ?? 0);
      const dataSize = readNumber(block, 124, 12);
      if (typeFlag === 'x' || typeFlag === 'L' || typeFlag === 'K') {
        const data = await readEntryData(reader, dataSize);
        if (typeFlag === 'L') {
          overrides.name = readString(data, 0, data.length);
        } else if (typeFlag === 'K') {
          overrides.linkname = readString(data, 0, data.length);
        } else {
          const records = parsePaxRecords(data);
          const path = records.get('path');
          const linkpath = records.get('linkpath');
          const size = records.get('size');
          overrides = {
            ...overrides,
            ...(path === undefined ? {} : { name: path }),
            ...(linkpath === undefined ? {} : { linkname: linkpath }),
            ...(size === undefined ? {} : { size: Number(size) }),
          };
        }
        continue;
      }
      if (typeFlag === 'g') {
        // Global pax headers set defaults that ARM Runner does not read.
        await readEntryData(reader, dataSize);
        continue;
      }

      const header = parseHeader(block, overrides);
      overrides = {};
      // Links, directories and devices carry no content, whatever their size field contains.
      const contentSize = header.type === 'file' || header.type === 'other' ? header.size : 0;
      let remaining = contentSize;
      const content = (async function* (): AsyncGenerator<Buffer> {
        while (remaining > 0) {
          const part = await reader.readSome(remaining);
          if (part === null) {
            throw new TarFormatError(`the archive ends inside ${header.name}`);
          }
          remaining -= part.length;
          yield part;
        }
      })();
      yield { header, content };

      if (!(await reader.skip(remaining + paddingLength(contentSize)))) {
        throw new TarFormatError(`the archive ends inside ${header.name}`);
      }
    }
  } finally {
    await reader.close();
  }
}
