import type { EngineClient } from '../engine/client.ts';
import type { LoadedBundle } from '../bundle/bundle.ts';
import { fromEngineError, engineStatusCode } from '../engine/engine-errors.ts';
import { LABELS, managedLabels } from '../engine/labels.ts';
import { followProgress } from '../engine/streams.ts';

export const HELPER_REPOSITORY = 'arm-runner-helper';

/**
 * Imports the helper image (a static busybox and the read-binfmt script for
 * the engine's own CPU) from the bundle, once per bundle version. The helper
 * needs no registry, so it works on engines that cannot pull.
 */
export class HelperImage {
  private pending: Promise<string> | undefined;

  constructor(
    private readonly docker: EngineClient,
    private readonly bundle: LoadedBundle,
  ) {}

  get reference(): string {
    return `${HELPER_REPOSITORY}:${this.bundle.manifest.helper.sha256.slice(0, 12)}`;
  }

  ensure(): Promise<string> {
    this.pending ??= this.importIfMissing().catch((error: unknown) => {
      this.pending = undefined;
      throw error;
    });
    return this.pending;
  }

  private async importIfMissing(): Promise<string> {
    const reference = this.reference;
    try {
      await this.docker.getImage(reference).inspect();
      return reference;
    } catch (error) {
      if (engineStatusCode(error) !== 404) {
        throw fromEngineError(error, `inspect the helper image ${reference}`);
      }
    }

    const labels = { ...managedLabels('helper-image'), [LABELS.helperVersion]: this.bundle.manifest.helper.sha256 };
    const [repo, tag] = reference.split(':') as [string, string];
    try {
      const stream = await this.docker.importImage({ filePath: this.bundle.helperTarPath }, {
        repo,
        tag,
        changes: Object.entries(labels).map(([key, value]) => `LABEL ${key}=${value}`),
      });
      await followProgress(stream);
    } catch (error) {
      throw fromEngineError(error, `import the helper image ${reference}`);
    }
    return reference;
  }
}
