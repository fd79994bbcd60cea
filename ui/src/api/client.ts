import { createDockerDesktopClient } from '@docker/extension-api-client';
import { ROUTES, type ApiError, type StatusResponse } from '@arm-runner/contract';

/** The slice of Docker Desktop's ddClient that ARM Runner uses. */
export interface DesktopClient {
  extension: {
    vm?: {
      service?: {
        get(url: string): Promise<unknown>;
        post(url: string, data: unknown): Promise<unknown>;
        delete(url: string): Promise<unknown>;
      };
    };
  };
}

/** Typed access to the backend API. Components use this and never build URLs. */
export interface ArmRunnerApi {
  getStatus(): Promise<StatusResponse>;
}

function service(client: DesktopClient): NonNullable<NonNullable<DesktopClient['extension']['vm']>['service']> {
  const vmService = client.extension.vm?.service;
  if (vmService === undefined) {
    throw new Error('The ARM Runner backend service is not available. Reinstall the extension.');
  }
  return vmService;
}

/** Turns a rejected service call ({ statusCode, message }) into the backend's error shape. */
export function toApiError(error: unknown): ApiError {
  const candidate = error as { message?: unknown; statusCode?: number };
  if (typeof candidate.message === 'string') {
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
  return {
    async getStatus() {
      return (await service(client).get(ROUTES.status)) as StatusResponse;
    },
  };
}

/** Creates the API over the ddClient that Docker Desktop (or the standalone host) injects. */
export function createDesktopApi(): ArmRunnerApi {
  return createApi(createDockerDesktopClient());
}
