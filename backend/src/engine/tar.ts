import tarStream from 'tar-stream';

/** One tar entry: its header and, for a regular file, its content. */
export interface TarEntry {
  header: Partial<tarStream.Header> & Pick<tarStream.Header, 'name'>;
  content?: Buffer;
}

/**
 * Packs entries into an in-memory tar, for archives of a few files that go
 * to the Engine API (an archive upload or an image load). Every entry gets
 * owner root and time 0 unless its header says otherwise, so the same input
 * gives the same bytes.
 */
export async function packTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tarStream.pack();
  for (const entry of entries) {
    const header = { uid: 0, gid: 0, mtime: new Date(0), ...entry.header };
    if (entry.content === undefined) {
      pack.entry(header);
    } else {
      pack.entry(header, entry.content);
    }
  }
  pack.finalize();

  const chunks: Buffer[] = [];
  for await (const chunk of pack as AsyncIterable<Buffer>) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
