import tarStream from 'tar-stream';

/** One entry for packWithTarStream: tar-stream's header fields and the file's content. */
export type PackEntry = Partial<tarStream.Header> & { name: string; content?: Buffer | string };

/**
 * Packs entries with tar-stream, an implementation independent of the
 * product's, so that tests can check the product's tar code against it.
 */
export async function packWithTarStream(entries: PackEntry[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (chunk) => chunks.push(chunk as Buffer));
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const { content, ...header } of entries) {
    await new Promise<void>((resolve, reject) => {
      pack.entry(header, content ?? Buffer.alloc(0), (error) => (error ? reject(error) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Builds one frame of the engine's multiplexed output: stream 1 is stdout, 2 is stderr. */
export function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}
