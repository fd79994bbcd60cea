import { createDockerDesktopClient } from '@docker/extension-api-client';
import {
  ROUTES,
  handlerPath,
  runLogsPath,
  runPath,
  runStopPath,
  taskPath,
  type ApiError,
  type HandlerInstallRequest,
  type HandlerRegistration,
  type LocalImage,
  type PullRequest,
  type PullResult,
  type QemuArch,
  type RunDetails,
  type RunInfo,
  type RunRequest,
  type RunResult,
  type StatusResponse,
  type TaskAccepted,
  type TaskInfo,
} from '@arm-runner/contract';

/** A run, sample or pull task: its result type follows its kind. */
export type ArmRunnerTask = TaskInfo<RunResult | PullResult>;

/** The slice of Docker Desktop's ddClient that ARM Runner uses. */
export interface DesktopClient {
  /** Set by the standalone host, which has no Docker Desktop screens to navigate to. */
  armRunnerStandalone?: boolean;
  extension: {
    vm?: {
      service?: {
        get(url: string): Promise<unknown>;
        post(url: string, data: unknown): Promise<unknown>;
        delete(url: string): Promise<unknown>;
      };
    };
  };
  host: { openExternal(url: string): void };
  desktopUI: {
    toast: { success(message: string): void; warning(message: string): void; error(message: string): void };
    navigate: { viewContainerLogs(containerId: string): Promise<void> };
  };
}


/** Typed access to the backend and to Docker Desktop. Components use this and never build URLs. */
export interface ArmRunnerApi {
  /** Reads the status. `refresh` runs the test program again instead of using cached results. */
  getStatus(refresh?: boolean): Promise<StatusResponse>;
  listImages(): Promise<LocalImage[]>;
  startRun(request: RunRequest): Promise<TaskAccepted>;
  startSample(): Promise<TaskAccepted>;
  startPull(request: PullRequest): Promise<TaskAccepted>;
  getTask(taskId: string): Promise<ArmRunnerTask>;
  listRuns(): Promise<RunInfo[]>;
  getRun(runId: string): Promise<RunDetails>;
  getLogs(runId: string, tail: number): Promise<string>;
  stopRun(runId: string): Promise<RunInfo>;
  removeRun(runId: string): Promise<{ id: string }>;
  registerHandler(request: HandlerInstallRequest): Promise<HandlerRegistration[]>;
  removeHandler(arch: QemuArch): Promise<HandlerRegistration[]>;
  openExternal(url: string): void;
  viewContainerLogs(containerId: string): Promise<void>;
  /** False in standalone mode, where there is no Docker Desktop to open. */
  insideDesktop: boolean;
  toastSuccess(message: string): void;
  toastError(message: string): void;
}

/** Turns a rejected service call ({ statusCode, message }) into the backend's error shape. */
export function toApiError(error: unknown): ApiError {
  const candidate = error as { message?: unknown; statusCode?: number } | null;
  if (candidate !== null && typeof candidate.message === 'string') {
    try {
      const parsed = JSON.parse(candidate.message) as Partial<ApiError>;
      if (typeof parsed.code === 'string' && typeof parsed.message === 'string') {
        return parsed as ApiError;
      }
    } catch {
      // The message is plain text, not the backend's JSON body.
    }
    return { code: 'ENGINE_UNREACHABLE', message: candidate.message };
  }
  return { code: 'INTERNAL', message: 'The ARM Runner backend did not respond.' };
}

export function createApi(client: DesktopClient): ArmRunnerApi {
  const service = () => {
    const vmService = client.extension.vm?.service;
    if (vmService === undefined) {
      throw new Error('The ARM Runner backend service is not available. Reinstall the extension.');
    }
    return vmService;
  };

  return {
    getStatus: async (refresh = false) => (await service().get(refresh ? `${ROUTES.status}?refresh=true` : ROUTES.status)) as StatusResponse,
    listImages: async () => (await service().get(ROUTES.images)) as LocalImage[],
    startRun: async (request) => (await service().post(ROUTES.runs, request)) as TaskAccepted,
    startSample: async () => (await service().post(ROUTES.sample, {})) as TaskAccepted,
    startPull: async (request) => (await service().post(ROUTES.imagePull, request)) as TaskAccepted,
    getTask: async (taskId) => (await service().get(taskPath(taskId))) as ArmRunnerTask,
    listRuns: async () => (await service().get(ROUTES.runs)) as RunInfo[],
    getRun: async (runId) => (await service().get(runPath(runId))) as RunDetails,
    getLogs: async (runId, tail) => ((await service().get(runLogsPath(runId, tail))) as { logs: string }).logs,
    stopRun: async (runId) => (await service().post(runStopPath(runId), {})) as RunInfo,
    removeRun: async (runId) => (await service().delete(runPath(runId))) as { id: string },
    registerHandler: async (request) => (await service().post(ROUTES.handlers, request)) as HandlerRegistration[],
    removeHandler: async (arch) => (await service().delete(handlerPath(arch))) as HandlerRegistration[],
    openExternal: (url) => client.host.openExternal(url),
    viewContainerLogs: (containerId) => client.desktopUI.navigate.viewContainerLogs(containerId),
    insideDesktop: client.armRunnerStandalone !== true,
    toastSuccess: (message) => client.desktopUI.toast.success(message),
    toastError: (message) => client.desktopUI.toast.error(message),
  };
}

/** Creates the API over the ddClient that Docker Desktop (or the standalone host) injects. */
export function createDesktopApi(): ArmRunnerApi {
  return createApi(createDockerDesktopClient());
}
