import { useCallback, useEffect, useState } from 'react';
import { toApiError } from '../api/client.ts';
import type { ApiError } from '@arm-runner/contract';

/**
 * Calls `load` now and then every `intervalMs` while `enabled`, keeping the
 * last value. Errors keep the last value and are returned beside it.
 */
export function usePolling<Value>(load: () => Promise<Value>, intervalMs: number, enabled = true) {
  const [value, setValue] = useState<Value | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    if (!enabled) {
      return undefined;
    }
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const tick = (): void => {
      load().then(
        (loaded) => {
          if (!cancelled) {
            setValue(loaded);
            setError(undefined);
          }
        },
        (failure: unknown) => {
          if (!cancelled) {
            setError(toApiError(failure));
          }
        },
      ).finally(() => {
        if (!cancelled) {
          timer = setTimeout(tick, intervalMs);
        }
      });
    };
    tick();

    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [load, intervalMs, enabled, generation]);

  const reload = useCallback(() => setGeneration((current) => current + 1), []);
  return { value, error, reload };
}
