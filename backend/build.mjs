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
  // dockerode's ssh transport pulls in native addons that the unix socket and
  // TCP transports never load. They stay out of the bundle.
  external: ['cpu-features', 'ssh2'],
  // CommonJS dependencies call require(), which an ESM bundle must provide.
  banner: { js: "import { createRequire as armRunnerCreateRequire } from 'node:module'; const require = armRunnerCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
