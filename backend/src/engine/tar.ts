// Writes tar archives in the POSIX ustar format, with a pax extended header
// for a path or link target that does not fit the ustar fields.

export const TAR_BLOCK_SIZE = 512;

/** The entry types ARM Runner writes. */
export type TarWriteType = 'file' | 'directory' | 'hardlink' | 'symlink';

export interface TarHeader {
  name: string;
  /** 'file' unless given. */
  type?: TarWriteType;
  /** Permission bits, 0o644 for a file and 0o755 for a directory unless given. */
  mode?: number;
  /** Content length in bytes, for a regular file. */
  size?: number;
  /** Target of a hard link (relative to the archive root) or of a symlink. */
  linkname?: string;
  uid?: number;
  gid?: number;
  /** Modification time, the Unix epoch unless given, so that the same input gives the same bytes. */
  mtime?: Date;
}

/** One tar entry: its header and, for a regular file, its content. */
export interface TarEntry {
  header: TarHeader;
  content?: Buffer;
}

const TYPE_FLAGS: Record<TarWriteType, string> = { file: '0', hardlink: '1', symlink: '2', directory: '5' };

/** Two zero blocks mark the end of an archive. */
export const TAR_END = Buffer.alloc(TAR_BLOCK_SIZE * 2);

/** Returns the zero bytes that pad content of `size` bytes to a whole block. */
export function tarPadding(size: number): Buffer {
  const remainder = size % TAR_BLOCK_SIZE;
  return Buffer.alloc(remainder === 0 ? 0 : TAR_BLOCK_SIZE - remainder);
}

function writeString(block: Buffer, offset: number, length: number, value: string): void {
  block.write(value, offset, length, 'utf8');
}

/**
 * Writes a number as zero-padded octal digits in the layout of the classic
 * tar writers that tar-stream also follows: "000755 \0" in an 8-byte field
 * and "00000001234 " in a 12-byte field. Keeping tar-stream's layout keeps
 * the bytes, and so the image ids and the helper image tag, of archives that
 * earlier versions of ARM Runner wrote.
 */
function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  const width = length === 12 ? 11 : length - 2;
  const digits = value.toString(8);
  if (digits.length > width) {
    throw new RangeError(`${value} does not fit a ${length}-byte tar number field`);
  }
  const terminator = length === 12 ? ' ' : ' \0';
  block.write(`${digits.padStart(width, '0')}${terminator}`, offset, length, 'ascii');
}

/**
 * Splits a path into the ustar prefix (up to 155 bytes) and name (up to 100
 * bytes) at a slash, or returns undefined when no split fits.
 */
function splitUstarPath(path: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(path) <= 100) {
    return { prefix: '', name: path };
  }
  for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
    const prefix = path.slice(0, slash);
    const name = path.slice(slash + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') {
      return { prefix, name };
    }
  }
  return undefined;
}

/** Builds one pax record: "<length> <key>=<value>\n", where the length counts the whole record. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) {
    length += 1;
  }
  return `${length}${body}`;
}

function headerBlock(fields: {
  name: string;
  prefix: string;
  typeFlag: string;
  mode: number;
  size: number;
  linkname: string;
  uid: number;
  gid: number;
  mtime: Date;
}): Buffer {
  const block = Buffer.alloc(TAR_BLOCK_SIZE);
  writeString(block, 0, 100, fields.name);
  writeOctal(block, 100, 8, fields.mode);
  writeOctal(block, 108, 8, fields.uid);
  writeOctal(block, 116, 8, fields.gid);
  writeOctal(block, 124, 12, fields.size);
  writeOctal(block, 136, 12, Math.floor(fields.mtime.getTime() / 1000));
  block.write(fields.typeFlag, 156, 1, 'ascii');
  writeString(block, 157, 100, fields.linkname);
  block.write('ustar\x0000', 257, 8, 'ascii');
  writeOctal(block, 329, 8, 0);
  writeOctal(block, 337, 8, 0);
  writeString(block, 345, 155, fields.prefix);

  // The checksum is the byte sum of the header with its own field read as spaces.
  block.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of block) {
    sum += byte;
  }
  writeOctal(block, 148, 8, sum);
  return block;
}

/**
 * Encodes the header blocks of one entry: a pax extended header first when
 * the path or link target does not fit ustar, then the ustar header.
 */
export function encodeTarHeader(header: TarHeader): Buffer {
  const type = header.type ?? 'file';
  const size = type === 'file' ? (header.size ?? 0) : 0;
  const linkname = header.linkname ?? '';
  const common = {
    typeFlag: TYPE_FLAGS[type],
    mode: header.mode ?? (type === 'directory' ? 0o755 : 0o644),
    uid: header.uid ?? 0,
    gid: header.gid ?? 0,
    mtime: header.mtime ?? new Date(0),
  };

  const split = splitUstarPath(header.name);
  const linkFits = Buffer.byteLength(linkname) <= 100;
  const blocks: Buffer[] = [];
  if (split === undefined || !linkFits) {
    const records = `${split === undefined ? paxRecord('path', header.name) : ''}${linkFits ? '' : paxRecord('linkpath', linkname)}`;
    const recordBytes = Buffer.from(records, 'utf8');
    blocks.push(headerBlock({ ...common, name: 'PaxHeader', prefix: '', typeFlag: 'x', mode: 0o644, size: recordBytes.length, linkname: '' }));
    blocks.push(recordBytes, tarPadding(recordBytes.length));
  }
  // With a pax header in front, the ustar fields keep a shortened copy for old readers.
  const ustarPath = split ?? { prefix: '', name: truncateBytes(header.name, 100) };
  blocks.push(headerBlock({ ...common, ...ustarPath, size, linkname: linkFits ? linkname : truncateBytes(linkname, 100) }));
  return Buffer.concat(blocks);
}

function truncateBytes(value: string, maxBytes: number): string {
  let result = value;
  while (Buffer.byteLength(result) > maxBytes) {
    result = result.slice(0, -1);
  }
  return result;
}

/**
 * Packs entries into an in-memory tar, for archives of a few files that go
 * to the Engine API (an archive upload or an image load). Every entry gets
 * owner root and time 0 unless its header says otherwise, so the same input
 * gives the same bytes.
 */
export function packTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const content = entry.content ?? Buffer.alloc(0);
    parts.push(encodeTarHeader({ ...entry.header, size: content.length }), content, tarPadding(content.length));
  }
  parts.push(TAR_END);
  return Buffer.concat(parts);
}
