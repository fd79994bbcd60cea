import type { EngineClient } from './engine/client.ts';
import { Augmenter } from './augment/augmenter.ts';
import { loadBundle, type LoadedBundle } from './bundle/bundle.ts';
import { createEngineClient } from './engine/client.ts';
import { HandlerRegistrar } from './emulation/handler-registrar.ts';
import { HelperImage } from './emulation/helper-image.ts';
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
}

/** Creates the engine client, loads the bundle and wires the services that use them (the composition root). */
export async function createServices(options: {
  bundleDirectory: string;
  sampleArchivePath: string;
  docker?: EngineClient;
}): Promise<Services> {
  const docker = options.docker ?? createEngineClient();
  const bundle = await loadBundle(options.bundleDirectory);
  const helper = new HelperImage(docker, bundle);
  const augmenter = new Augmenter(docker, bundle);
  const status = new StatusService(docker, bundle, helper, new VerdictTester(docker, augmenter));
  const runs = new RunManager(docker, augmenter, status);
  const handlers = new HandlerRegistrar(docker, bundle, helper, status);
  return { docker, bundle, status, augmenter, runs, tasks: new TaskRegistry(), handlers, sampleArchivePath: options.sampleArchivePath };
}
