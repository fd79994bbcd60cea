import tarStream from 'tar-stream';
import type { FileContent } from './file-tree.ts';

/**
 * Reads the first regular file of a tar stream, such as the archive that
 * `GET /containers/{id}/archive` returns for one path. Keeps at most
 * `maxBytes` and marks the content truncated when the file is longer, then
 * stops reading. Throws when the archive contains no regular file.
 */
export async function readFirstArchiveFile(archive: NodeJS.ReadableStream, maxBytes: number): Promise<FileContent> {
  const extract = tarStream.extract();
  const source = archive as NodeJS.ReadableStream & { destroy?: (error?: Error) => void };
  source.on('error', (error: Error) => extract.destroy(error));
  source.pipe(extract);

  try {
    for await (const entry of extract) {
      const type = entry.header.type;
      if (type !== 'file' && type !== 'contiguous-file') {
        entry.resume();
        continue;
      }

      const size = entry.header.size ?? 0;
      const chunks: Buffer[] = [];
      let length = 0;
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        const slice = chunk.subarray(0, maxBytes - length);
        chunks.push(slice);
        length += slice.length;
        if (length >= maxBytes) {
          break;
        }
      }
      return { bytes: new Uint8Array(Buffer.concat(chunks, length)), truncated: size > length };
    }
  } finally {
    extract.destroy();
    source.unpipe?.(extract);
    source.destroy?.();
  }
  throw new Error('the archive contains no regular file');
}
