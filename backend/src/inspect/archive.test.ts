import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readFirstArchiveFile } from './archive-file.ts';
import { indexArchive } from './archive-index.ts';
import { MAX_LISTED_PRIVILEGED_FILES } from './privileged-files.ts';
import { packWithTarStream, type PackEntry } from '../../test/rig/byte-fixtures.ts';

/** Packs entries into a tar archive in memory and returns it as a stream, as the engine would send it. */
async function archive(entries: PackEntry[]): Promise<Readable> {
  return Readable.from([await packWithTarStream(entries)]);
}

describe('indexArchive', () => {
  it('indexes types, modes and link targets', async () => {
    const longName = `opt/${'deep/'.repeat(30)}tool`;
    const index = await indexArchive(
      await archive([
        { name: './', type: 'directory', mode: 0o755 },
        { name: './bin/', type: 'directory', mode: 0o755 },
        { name: './bin/busybox', type: 'file', mode: 0o755, content: Buffer.from('ELF') },
        { name: './bin/sh', type: 'symlink', linkname: 'busybox', mode: 0o777 },
        { name: './bin/su', type: 'link', linkname: 'bin/busybox', mode: 0o4755 },
        { name: './dev/null', type: 'character-device', mode: 0o666 },
        { name: longName, type: 'file', mode: 0o644, content: Buffer.from('x') },
      ]),
    );
    expect(index.entryCount).toBe(7);
    expect(index.tree.entry('/')?.type).toBe('directory');
    expect(index.tree.entry('/bin/busybox')).toEqual({ type: 'file', mode: 0o755, size: 3, linkTarget: null });
    expect(index.tree.entry('/bin/sh')).toEqual({ type: 'symlink', mode: 0o777, size: 0, linkTarget: 'busybox' });
    expect(index.tree.entry('/bin/su')).toEqual({ type: 'hardlink', mode: 0o4755, size: 0, linkTarget: '/bin/busybox' });
    expect(index.tree.entry('/dev/null')?.type).toBe('other');
    expect(index.tree.entry(`/${longName}`)?.type).toBe('file');
    expect(index.tree.entry('/opt/deep')?.type).toBe('directory');
  });

  it('lists setuid and setgid files and counts all of them', async () => {
    const entries: PackEntry[] = [
      { name: 'bin/su', type: 'file', mode: 0o4755 },
      { name: 'usr/bin/wall', type: 'file', mode: 0o2755 },
      { name: 'usr/bin/both', type: 'link', linkname: 'bin/su', mode: 0o6755 },
      { name: 'tmp', type: 'directory', mode: 0o1777 },
      { name: 'shared', type: 'directory', mode: 0o2775 },
      { name: 'bin/plain', type: 'file', mode: 0o755 },
    ];
    for (let index = 0; index < MAX_LISTED_PRIVILEGED_FILES; index += 1) {
      entries.push({ name: `sbin/tool${index}`, type: 'file', mode: 0o4711 });
    }
    const { privilegedFiles } = await indexArchive(await archive(entries));
    expect(privilegedFiles.count).toBe(3 + MAX_LISTED_PRIVILEGED_FILES);
    expect(privilegedFiles.files).toHaveLength(MAX_LISTED_PRIVILEGED_FILES);
    expect(privilegedFiles.files.slice(0, 3)).toEqual([
      { path: '/bin/su', mode: 0o4755, setuid: true, setgid: false },
      { path: '/usr/bin/wall', mode: 0o2755, setuid: false, setgid: true },
      { path: '/usr/bin/both', mode: 0o6755, setuid: true, setgid: true },
    ]);
  });

  it('rejects a stream that is not a tar archive', async () => {
    await expect(indexArchive(Readable.from([Buffer.alloc(1024, 0x41)]))).rejects.toThrow();
  });

  it('rejects when the source stream fails', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(indexArchive(failing)).rejects.toThrow('connection reset');
  });
});

describe('readFirstArchiveFile', () => {
  it('reads a whole small file', async () => {
    const content = await readFirstArchiveFile(await archive([{ name: 'busybox', type: 'file', mode: 0o755, content: Buffer.from('hello') }]), 1024);
    expect(Buffer.from(content.bytes).toString()).toBe('hello');
    expect(content.truncated).toBe(false);
  });

  it('stops at the byte limit and marks the content truncated', async () => {
    const big = Buffer.alloc(1024 * 1024, 0x5a);
    const content = await readFirstArchiveFile(await archive([{ name: 'big', type: 'file', mode: 0o755, content: big }]), 1000);
    expect(content.bytes.length).toBe(1000);
    expect(content.truncated).toBe(true);
  });

  it('skips entries that are not regular files', async () => {
    const content = await readFirstArchiveFile(
      await archive([
        { name: 'dir', type: 'directory', mode: 0o755 },
        { name: 'dir/file', type: 'file', mode: 0o644, content: Buffer.from('inside') },
      ]),
      1024,
    );
    expect(Buffer.from(content.bytes).toString()).toBe('inside');
  });

  it('throws without a regular file', async () => {
    await expect(readFirstArchiveFile(await archive([{ name: 'sh', type: 'symlink', linkname: 'busybox' }]), 1024)).rejects.toThrow(
      'the archive contains no regular file',
    );
  });
});
