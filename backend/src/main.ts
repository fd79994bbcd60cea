import { reportError } from './cli/report.ts';
import { parseServeArguments, serveApi } from './cli/serve.ts';

// "serve", as Docker Desktop starts the backend, skips the command-line parser
// and the other commands' modules. In the single-file bundle, esbuild turns the
// dynamic import into a lazy initializer, so that code never runs in the
// long-running process and takes none of its memory.
const serveArguments = parseServeArguments(process.argv.slice(2));
if (serveArguments === undefined) {
  const { main } = await import('./cli/main.ts');
  await main(process.argv);
} else {
  try {
    await serveApi(serveArguments.socket);
  } catch (error) {
    reportError(error, false);
    process.exitCode = 1;
  }
}
