import { useEffect, useState } from 'react';
import { toApiError, type ArmRunnerApi, type ArmRunnerTask } from '../api/client.ts';

const TASK_POLL_MS = 400;

/** Polls a task until it succeeds or fails, then calls onFinished once. */
export function useTask(api: ArmRunnerApi, taskId: string | undefined, onFinished: (task: ArmRunnerTask) => void) {
  const [task, setTask] = useState<ArmRunnerTask | undefined>(undefined);

  useEffect(() => {
    if (taskId === undefined) {
      return undefined;
    }
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setTask(undefined);

    const poll = (): void => {
      api.getTask(taskId).then(
        (current) => {
          if (cancelled) {
            return;
          }
          setTask(current);
          if (current.state === 'succeeded' || current.state === 'failed') {
            onFinished(current);
            return;
          }
          timer = setTimeout(poll, TASK_POLL_MS);
        },
        (error: unknown) => {
          if (cancelled) {
            return;
          }
          const now = new Date().toISOString();
          const failed: ArmRunnerTask = {
            id: taskId,
            kind: 'run',
            state: 'failed',
            step: 'Lost track of the task',
            log: [],
            createdAt: now,
            updatedAt: now,
            error: toApiError(error),
          };
          setTask(failed);
          onFinished(failed);
        },
      );
    };
    poll();

    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
    // onFinished is left out on purpose: a new callback must not restart polling.
  }, [api, taskId]);

  return task;
}
