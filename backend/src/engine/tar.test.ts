import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePaxRecords, readTar, readTarFile, TarFormatError, type TarEntryHeader } from './tar-reader.ts';
import { encodeTarHeader, packTar, TAR_BLOCK_SIZE, type TarEntry } from './tar.ts';
import { packWithTarStream } from '../../test/rig/byte-fixtures.ts';

interface ReadEntry {
  header: TarEntryHeader;
  content: string;
}

/** Reads a whole archive from chunks of `chunkSize` bytes, to cover headers split across chunks. */
async function readAll(archive: Buffer, chunkSize = archive.length): Promise<ReadEntry[]> {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < archive.length; offset += chunkSize) {
    chunks.push(archive.subarray(offset, offset + chunkSize));
  }
  const entries: ReadEntry[] = [];
  for await (const entry of readTar(Readable.from(chunks))) {
    const parts: Buffer[] = [];
    for await (const chunk of entry.content) {
      parts.push(Buffer.from(chunk));
    }
    entries.push({ header: entry.header, content: Buffer.concat(parts).toString('utf8') });
  }
  return entries;
}

/** Builds a header block by hand with a GNU long-name entry in front, as GNU tar writes one. */
function gnuLongNameEntry(typeFlag: 'L' | 'K', value: string): Buffer {
  const data = Buffer.from(`${value}\0`);
  const header = Buffer.alloc(TAR_BLOCK_SIZE);
  header.write('././@LongLink', 0, 'ascii');
  header.write('0000644\0', 100, 'ascii');
  header.write('0000000\0', 108, 'ascii');
  header.write('0000000\0', 116, 'ascii');
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  header.write('00000000000\0', 136, 'ascii');
  header.write(typeFlag, 156, 'ascii');
  header.write('ustar  \0', 257, 'ascii');
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of header) {
    sum += byte;
  }
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  const padding = Buffer.alloc((TAR_BLOCK_SIZE - (data.length % TAR_BLOCK_SIZE)) % TAR_BLOCK_SIZE);
  return Buffer.concat([header, data, padding]);
}

describe('packTar and readTar', () => {
  const entries: TarEntry[] = [
    { header: { name: 'bin/', type: 'directory' } },
    { header: { name: 'bin/busybox', mode: 0o4755 }, content: Buffer.from('busybox program') },
    { header: { name: 'bin/sh', type: 'symlink', linkname: 'busybox', mode: 0o777 } },
    { header: { name: 'usr/bin/qemu-arm', type: 'hardlink', linkname: 'usr/bin/qemu-arm-static', mode: 0o755 } },
    { header: { name: 'empty' }, content: Buffer.alloc(0) },
    { header: { name: 'block' }, content: Buffer.alloc(TAR_BLOCK_SIZE, 0x61) },
  ];

  it('reads back what it writes', async () => {
    const read = await readAll(packTar(entries));
    expect(read.map((entry) => entry.header)).toEqual([
      { name: 'bin/', type: 'directory', mode: 0o755, size: 0, linkname: '' },
      { name: 'bin/busybox', type: 'file', mode: 0o4755, size: 15, linkname: '' },
      { name: 'bin/sh', type: 'symlink', mode: 0o777, size: 0, linkname: 'busybox' },
      { name: 'usr/bin/qemu-arm', type: 'hardlink', mode: 0o755, size: 0, linkname: 'usr/bin/qemu-arm-static' },
      { name: 'empty', type: 'file', mode: 0o644, size: 0, linkname: '' },
      { name: 'block', type: 'file', mode: 0o644, size: TAR_BLOCK_SIZE, linkname: '' },
    ]);
    expect(read[1]?.content).toBe('busybox program');
    expect(read[5]?.content).toBe('a'.repeat(TAR_BLOCK_SIZE));
  });

  it('reads across chunk boundaries', async () => {
    const archive = packTar(entries);
    for (const chunkSize of [1, 7, 511, 513]) {
      expect(await readAll(archive, chunkSize), `chunks of ${chunkSize} bytes`).toEqual(await readAll(archive));
    }
  });

  it('gives the same bytes for the same input', () => {
    expect(packTar(entries).equals(packTar(entries))).toBe(true);
  });

  it('ends with two zero blocks', () => {
    const archive = packTar(entries);
    expect(archive.length % TAR_BLOCK_SIZE).toBe(0);
    expect(archive.subarray(-2 * TAR_BLOCK_SIZE).every((byte) => byte === 0)).toBe(true);
  });

  it('writes archives that tar-stream reads', async () => {
    const longPath = `opt/${'deep/'.repeat(40)}tool`;
    const archive = packTar([
      { header: { name: 'bin/busybox', mode: 0o755 }, content: Buffer.from('program') },
      { header: { name: 'bin/su', type: 'hardlink', linkname: 'bin/busybox' } },
      { header: { name: longPath }, content: Buffer.from('x') },
    ]);
    const extract = tarStream.extract();
    Readable.from([archive]).pipe(extract);
    const seen: { name: string; type: string | null | undefined; linkname: string | null | undefined; content: string }[] = [];
    for await (const entry of extract) {
      const parts: Buffer[] = [];
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        parts.push(chunk);
      }
      seen.push({ name: entry.header.name, type: entry.header.type, linkname: entry.header.linkname, content: Buffer.concat(parts).toString() });
    }
    expect(seen).toEqual([
      { name: 'bin/busybox', type: 'file', linkname: null, content: 'program' },
      { name: 'bin/su', type: 'link', linkname: 'bin/busybox', content: '' },
      { name: longPath, type: 'file', linkname: null, content: 'x' },
    ]);
  });
});

describe('packTar compatibility', () => {
  it('matches the bytes tar-stream wrote', async () => {
    // Earlier versions packed with tar-stream, and equal bytes keep the ids of images loaded from these archives.
    const ours = packTar([
      { header: { name: 'binfmt/', type: 'directory', mode: 0o755 } },
      { header: { name: 'usr/bin/qemu-arm-static', mode: 0o755 }, content: Buffer.from('program') },
      { header: { name: 'usr/bin/qemu-arm', type: 'hardlink', linkname: 'usr/bin/qemu-arm-static', mode: 0o755 } },
    ]);
    const epoch = new Date(0);
    const theirs = await packWithTarStream([
      { name: 'binfmt/', type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: epoch },
      { name: 'usr/bin/qemu-arm-static', mode: 0o755, uid: 0, gid: 0, mtime: epoch, content: 'program' },
      { name: 'usr/bin/qemu-arm', type: 'link', linkname: 'usr/bin/qemu-arm-static', mode: 0o755, uid: 0, gid: 0, mtime: epoch },
    ]);
    expect(ours.toString('hex')).toBe(theirs.toString('hex'));
  });
});

describe('encodeTarHeader', () => {
  it('splits a long path into ustar prefix and name', async () => {
    const name = `${'a'.repeat(120)}/file`;
    const header = encodeTarHeader({ name, size: 0 });
    expect(header.length).toBe(TAR_BLOCK_SIZE);
    expect((await readAll(Buffer.concat([header, Buffer.alloc(1024)])))[0]?.header.name).toBe(name);
  });

  it('adds a pax header for a path ustar cannot hold', async () => {
    const name = `${'b'.repeat(200)}/${'c'.repeat(150)}`;
    const linkname = `${'d'.repeat(150)}/target`;
    const header = encodeTarHeader({ name, type: 'symlink', linkname });
    expect(header.length).toBeGreaterThan(TAR_BLOCK_SIZE);
    const read = await readAll(Buffer.concat([header, Buffer.alloc(1024)]));
    expect(read).toHaveLength(1);
    expect(read[0]?.header).toMatchObject({ name, linkname, type: 'symlink' });
  });

  it('rejects a size the field cannot hold', () => {
    expect(() => encodeTarHeader({ name: 'huge', size: 8 ** 11 })).toThrow(RangeError);
  });
});

describe('readTar with other writers', () => {
  it('reads tar-stream pax, link and device entries', async () => {
    const longName = `${'x'.repeat(130)}/${'y'.repeat(130)}`;
    const archive = await packWithTarStream([
      { name: longName, mode: 0o644, content: 'long' },
      { name: 'dev/null', type: 'character-device', mode: 0o666, devmajor: 1, devminor: 3 },
      { name: 'run/fifo', type: 'fifo', mode: 0o600 },
      { name: 'bin/su', type: 'link', linkname: 'bin/busybox', mode: 0o4755 },
    ]);
    const read = await readAll(archive);
    expect(read.map((entry) => [entry.header.name, entry.header.type])).toEqual([
      [longName, 'file'],
      ['dev/null', 'character-device'],
      ['run/fifo', 'fifo'],
      ['bin/su', 'hardlink'],
    ]);
    expect(read[0]?.content).toBe('long');
    expect(read[3]?.header.mode).toBe(0o4755);
  });

  it('reads GNU long names and link targets', async () => {
    const longName = `usr/lib/${'n'.repeat(150)}`;
    const longTarget = `usr/lib/${'t'.repeat(150)}`;
    const plain = packTar([{ header: { name: 'short', type: 'symlink', linkname: 'short-target' } }]);
    const archive = Buffer.concat([gnuLongNameEntry('L', longName), gnuLongNameEntry('K', longTarget), plain]);
    const read = await readAll(archive);
    expect(read).toEqual([{ header: { name: longName, type: 'symlink', mode: 0o644, size: 0, linkname: longTarget }, content: '' }]);
  });

  it('treats a v7 name with a slash as directory', async () => {
    const archive = packTar([{ header: { name: 'old-style/' } }]);
    expect((await readAll(archive))[0]?.header.type).toBe('directory');
  });
});

describe('readTar failures', () => {
  it('rejects a bad checksum', async () => {
    const archive = packTar([{ header: { name: 'file' }, content: Buffer.from('x') }]);
    archive[0] = 0x58;
    await expect(readAll(archive)).rejects.toBeInstanceOf(TarFormatError);
  });

  it('rejects an archive cut inside content', async () => {
    const archive = packTar([{ header: { name: 'file' }, content: Buffer.alloc(2000, 0x61) }]);
    await expect(readAll(archive.subarray(0, 1500))).rejects.toThrow('ends inside file');
  });

  it('stops at the end of a stream without end blocks', async () => {
    const archive = packTar([{ header: { name: 'file' }, content: Buffer.from('x') }]);
    expect(await readAll(archive.subarray(0, 2 * TAR_BLOCK_SIZE))).toHaveLength(1);
  });

  it('skips content that is not read', async () => {
    const archive = packTar([
      { header: { name: 'first' }, content: Buffer.alloc(3000, 0x61) },
      { header: { name: 'second' }, content: Buffer.from('kept') },
    ]);
    const names: string[] = [];
    let secondContent = '';
    for await (const entry of readTar(Readable.from([archive]))) {
      names.push(entry.header.name);
      if (entry.header.name === 'second') {
        for await (const chunk of entry.content) {
          secondContent += chunk.toString();
        }
      }
    }
    expect(names).toEqual(['first', 'second']);
    expect(secondContent).toBe('kept');
  });

  it('destroys the source when stopped early', async () => {
    const source = Readable.from([packTar([{ header: { name: 'a' } }, { header: { name: 'b' } }])]);
    for await (const entry of readTar(source)) {
      expect(entry.header.name).toBe('a');
      break;
    }
    expect(source.destroyed).toBe(true);
  });
});

describe('parsePaxRecords', () => {
  it('reads records with multibyte values', () => {
    const value = 'ünïcode/päth';
    const body = ` path=${value}\n`;
    const length = Buffer.byteLength(body) + String(Buffer.byteLength(body) + 2).length;
    const records = parsePaxRecords(Buffer.from(`${length}${body}13 size=1234\n`));
    expect(records.get('path')).toBe(value);
    expect(records.get('size')).toBe('1234');
  });

  it('rejects a record with a bad length', () => {
    expect(() => parsePaxRecords(Buffer.from('99 path=x\n'))).toThrow(TarFormatError);
  });
});

describe('readTarFile', () => {
  let directory: string;

  beforeAll(() => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'arm-runner-tar-'));
  });

  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('reads the same entries as readTar', async () => {
    const large = Buffer.alloc(200_000);
    for (let index = 0; index < large.length; index += 1) {
      large[index] = index % 251;
    }
    const tarPath = path.join(directory, 'file.tar');
    writeFileSync(tarPath, packTar([{ header: { name: 'skipped' }, content: Buffer.alloc(70_000, 1) }, { header: { name: 'large' }, content: large }]));

    const names: string[] = [];
    let copied = Buffer.alloc(0);
    for await (const entry of readTarFile(tarPath)) {
      names.push(entry.header.name);
      if (entry.header.name === 'large') {
        const parts: Buffer[] = [];
        for await (const chunk of entry.content) {
          parts.push(Buffer.from(chunk));
        }
        copied = Buffer.concat(parts);
      }
    }
    expect(names).toEqual(['skipped', 'large']);
    expect(copied.equals(large)).toBe(true);
  });

  it('rejects a missing file', async () => {
    const reading = (async () => {
      for await (const entry of readTarFile(path.join(directory, 'absent.tar'))) {
        expect(entry).toBeUndefined();
      }
    })();
    await expect(reading).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
