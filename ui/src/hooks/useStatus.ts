import { useEffect, useState } from 'react';
import type { ApiError, StatusResponse } from '@arm-runner/contract';
import { toApiError, type ArmRunnerApi } from '../api/client.ts';

export type StatusState =
  | { kind: 'loading' }
  | { kind: 'ready'; status: StatusResponse }
  | { kind: 'error'; error: ApiError };

/** Loads the emulation status once. */
export function useStatus(api: ArmRunnerApi): StatusState {
  const [state, setState] = useState<StatusState>({ kind: 'loading' });

  useEffect(() => {
    let cancelled = false;
    api.getStatus().then(
      (status) => {
        if (!cancelled) {
          setState({ kind: 'ready', status });
        }
      },
      (error: unknown) => {
        if (!cancelled) {
          setState({ kind: 'error', error: toApiError(error) });
        }
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api]);

  return state;
}
