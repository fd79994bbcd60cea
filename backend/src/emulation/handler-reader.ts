import type { Container, EngineClient } from '../engine/client.ts';
import { ArmRunnerError } from '../errors.ts';
import { fromEngineError } from '../engine/engine-errors.ts';
import { managedLabels } from '../engine/labels.ts';
import { HELPER_OUTPUT_MAX_BYTES, readContainerOutput } from '../engine/streams.ts';
import { logger } from '../log.ts';
import { parseBinfmtListing } from './binfmt.ts';
import { splitIdentity, type HelperReading } from './binfmt-view.ts';
import type { HelperImage } from './helper-image.ts';

/**
 * Reads the binfmt_misc table where the engine runs, through a short-lived
 * helper container, with the identity of the table it read. Inside Docker
 * Desktop the backend's own /proc belongs to its container, not to the
 * engine's VM, so only the helper can read the real table there.
 */
export async function readBinfmtState(docker: EngineClient, helper: HelperImage, engineArchitecture: string): Promise<HelperReading> {
  const image = await helper.ensure();

  let container: Container;
  try {
    container = await docker.createContainer({
      Image: image,
      Entrypoint: ['/usr/libexec/arm-runner/read-binfmt'],
      Cmd: [],
      Labels: managedLabels('helper'),
      NetworkDisabled: true,
      HostConfig: {
        // SYS_ADMIN only for the fallback mount. It is the one capability needed,
        // and --privileged fails on some engines ("unable to apply caps").
        CapAdd: ['SYS_ADMIN'],
        Binds: ['/proc/sys/fs/binfmt_misc:/host/binfmt_misc:ro'],
        NetworkMode: 'none',
      },
    });
  } catch (error) {
    throw fromEngineError(error, 'create the helper container that reads binfmt_misc');
  }

  try {
    await container.start();
    const exit = await container.wait();
    const output = await readContainerOutput(container, HELPER_OUTPUT_MAX_BYTES);

    const { listing, identity } = splitIdentity(output.stdout);
    const state = parseBinfmtListing(listing, engineArchitecture);
    if (!/(^|\/)status:/m.test(listing)) {
      throw new ArmRunnerError(
        'ENGINE_ERROR',
        'Could not read binfmt_misc on the engine\'s host. The helper container needs CAP_SYS_ADMIN to mount it.',
        `exit ${exit.StatusCode}: ${output.stderr.trim()}`,
      );
    }
    return { state, identity };
  } catch (error) {
    throw fromEngineError(error, 'read binfmt_misc through the helper container');
  } finally {
    await container.remove({ force: true }).catch((error: unknown) => {
      logger.warn({ event: 'helper.remove-failed', containerId: container.id, err: error }, 'could not remove the helper container');
    });
  }
}
