import type { EngineClient } from './engine/client.ts';
import { Augmenter } from './augment/augmenter.ts';
import { loadBundle, type LoadedBundle } from './bundle/bundle.ts';
import { createEngineClient } from './engine/client.ts';
import { HandlerRegistrar } from './emulation/handler-registrar.ts';
import { HelperImage } from './emulation/helper-image.ts';
import { ResidentReader } from './emulation/resident-reader.ts';
import { StatusService } from './emulation/status-service.ts';
import { VerdictTester } from './emulation/verdict-tester.ts';
import { RunManager } from './runs/run-manager.ts';
import { TaskRegistry } from './tasks/task-registry.ts';

export interface Services {
  docker: EngineClient;
  bundle: LoadedBundle;
  status: StatusService;
  augmenter: Augmenter;
  runs: RunManager;
  tasks: TaskRegistry;
  handlers: HandlerRegistrar;
  /** The docker-archive of the built-in sample image. */
  sampleArchivePath: string;
  /** Lets go of what the services keep open (the resident binfmt_misc reader). */
  close(): void;
}

/** Creates the engine client, loads the bundle and wires the services that use them (the composition root). */
export async function createServices(options: {
  bundleDirectory: string;
  sampleArchivePath: string;
  docker?: EngineClient;
  /**
   * Keeps a helper container running to read binfmt_misc, for a long-lived
   * backend that cannot read the table itself. Short CLI commands leave it off.
   */
  residentBinfmtReader?: boolean;
}): Promise<Services> {
  const docker = options.docker ?? createEngineClient();
  const bundle = await loadBundle(options.bundleDirectory);
  const helper = new HelperImage(docker, bundle);
  const augmenter = new Augmenter(docker, bundle);
  const resident = options.residentBinfmtReader === true ? new ResidentReader(docker, helper) : undefined;
  const status = new StatusService(docker, bundle, helper, new VerdictTester(docker, augmenter), resident);
  const runs = new RunManager(docker, augmenter, status);
  const handlers = new HandlerRegistrar(docker, bundle, helper, status);
  return {
    docker,
    bundle,
    status,
    augmenter,
    runs,
    tasks: new TaskRegistry(),
    handlers,
    sampleArchivePath: options.sampleArchivePath,
    close: () => resident?.close(),
  };
}
