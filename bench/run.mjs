// Bundles bench/bench.ts with esbuild (Node 20 runs no TypeScript) and runs it.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const benchDirectory = path.dirname(fileURLToPath(import.meta.url));
// Inside the repository, so that the bundle's imports resolve from node_modules.
const outDirectory = path.join(benchDirectory, '.build');
const outfile = path.join(outDirectory, 'bench.mjs');

await build({
  entryPoints: [path.join(benchDirectory, 'bench.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // dockerode loads from node_modules as usual; ssh2 inside it needs CommonJS.
  external: ['dockerode'],
  define: { 'import.meta.dirname': JSON.stringify(benchDirectory) },
  logLevel: 'warning',
});

try {
  await import(pathToFileURL(outfile).href);
} finally {
  rmSync(outDirectory, { recursive: true, force: true });
}
