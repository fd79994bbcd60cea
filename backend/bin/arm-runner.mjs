#!/usr/bin/env node
// Runs the bundled CLI. "npm run build" makes dist/arm-runner.mjs.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/arm-runner.mjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('arm-runner is not built yet. Run "npm run build" in the repository root.\n');
  process.exit(1);
}
await import(bundle.href);
