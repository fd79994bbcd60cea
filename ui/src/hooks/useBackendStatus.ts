import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError, StatusResponse } from '@arm-runner/contract';
import { toApiError, type ArmRunnerApi } from '../api/client.ts';

export interface BackendTiming {
  /** First retry delay, doubled after each failure up to maxDelayMs. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** After this long without a response, the waiting screen explains what to do. */
  slowAfterMs: number;
}

export const DEFAULT_TIMING: BackendTiming = { initialDelayMs: 500, maxDelayMs: 5000, slowAfterMs: 20_000 };

export type BackendState =
  | { kind: 'waiting'; slow: boolean; attempts: number; lastError?: ApiError }
  | { kind: 'unauthorized'; error: ApiError }
  | { kind: 'ready'; status: StatusResponse; refreshing: boolean };

/**
 * Loads the emulation status, retrying with backoff until the backend
 * responds (Docker Desktop may start the backend container after the tab).
 */
export function useBackendStatus(api: ArmRunnerApi, timing: BackendTiming = DEFAULT_TIMING) {
  const [state, setState] = useState<BackendState>({ kind: 'waiting', slow: false, attempts: 0 });
  const startedAt = useRef(Date.now());

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = timing.initialDelayMs;
    let attempts = 0;

    const attempt = (): void => {
      attempts += 1;
      api.getStatus().then(
        (status) => {
          if (!cancelled) {
            setState({ kind: 'ready', status, refreshing: false });
          }
        },
        (error: unknown) => {
          if (cancelled) {
            return;
          }
          const apiError = toApiError(error);
          // A server that rejects the token is running, so waiting cannot help.
          if (apiError.code === 'UNAUTHORIZED') {
            setState({ kind: 'unauthorized', error: apiError });
            return;
          }
          const slow = Date.now() - startedAt.current >= timing.slowAfterMs;
          setState({ kind: 'waiting', slow, attempts, lastError: apiError });
          timer = setTimeout(attempt, delay);
          delay = Math.min(delay * 2, timing.maxDelayMs);
        },
      );
    };
    attempt();

    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [api, timing]);

  /** Reads the status again. `retest` also runs the test program again. */
  const refresh = useCallback(async (retest = false) => {
    setState((previous) => (previous.kind === 'ready' ? { ...previous, refreshing: true } : previous));
    try {
      const status = await api.getStatus(retest);
      setState({ kind: 'ready', status, refreshing: false });
    } catch (error) {
      api.toastError(`Could not refresh the emulation status: ${toApiError(error).message}`);
      setState((previous) => (previous.kind === 'ready' ? { ...previous, refreshing: false } : previous));
    }
  }, [api]);

  return { state, refresh };
}
