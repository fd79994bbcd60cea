// Bundles the backend and its dependencies into one ESM file, so that the
// extension image needs no node_modules and no dev dependencies.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/arm-runner.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  // CommonJS dependencies use require, __filename and __dirname, which an ESM
  // bundle must provide.
  banner: {
    js: [
      "import { createRequire as armRunnerCreateRequire } from 'node:module';",
      "import { fileURLToPath as armRunnerFileURLToPath } from 'node:url';",
      "import { dirname as armRunnerDirname } from 'node:path';",
      'const require = armRunnerCreateRequire(import.meta.url);',
      'const __filename = armRunnerFileURLToPath(import.meta.url);',
      'const __dirname = armRunnerDirname(__filename);',
    ].join(' '),
  },
  logLevel: 'warning',
});
