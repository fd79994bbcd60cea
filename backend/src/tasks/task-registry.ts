import { randomUUID } from 'node:crypto';
import type { TaskInfo } from '@arm-runner/contract';
import { toArmRunnerError } from '../errors.ts';
import { logger } from '../log.ts';

const LOG_LINES_KEPT = 200;
const FINISHED_TASKS_KEPT = 100;

export interface TaskContext {
  step(text: string): void;
  /** Records a run's first endpoint once it responds, before the task ends. */
  endpoint(url: string): void;
}

/**
 * Long work (building, starting and waiting for a run) as tasks with an id
 * that clients poll, because the Docker Desktop extension API has no
 * streaming and no timeouts.
 *
 * NOTE: tasks live in memory, so a backend restart loses unfinished ones.
 * The runs they created are still found through their labels.
 */
export class TaskRegistry {
  private readonly tasks = new Map<string, TaskInfo>();

  start<Result>(kind: TaskInfo['kind'], work: (context: TaskContext) => Promise<Result>): TaskInfo<Result> {
    const now = new Date().toISOString();
    const task: TaskInfo<Result> = { id: randomUUID(), kind, state: 'running', step: 'Starting', log: [], createdAt: now, updatedAt: now };
    this.tasks.set(task.id, task);
    this.prune();

    const context: TaskContext = {
      step: (text) => {
        task.step = text;
        task.log.push(text);
        if (task.log.length > LOG_LINES_KEPT) {
          task.log.splice(0, task.log.length - LOG_LINES_KEPT);
        }
        task.updatedAt = new Date().toISOString();
      },
      endpoint: (url) => {
        task.endpoint = url;
        task.updatedAt = new Date().toISOString();
      },
    };

    void work(context).then(
      (result) => {
        task.state = 'succeeded';
        task.step = 'Done';
        task.result = result;
        task.updatedAt = new Date().toISOString();
      },
      (error: unknown) => {
        const armError = toArmRunnerError(error);
        task.state = 'failed';
        task.error = armError.toApiError();
        task.updatedAt = new Date().toISOString();
        // The stack matters only for unexpected failures. Expected ones, such
        // as a missing image, are logged by their code and message.
        const cause = armError.code === 'INTERNAL' ? { err: error } : { reason: armError.message };
        logger.warn({ event: 'task.failed', taskId: task.id, kind, code: armError.code, ...cause }, 'task failed');
      },
    );
    return task;
  }

  get(id: string): TaskInfo | undefined {
    return this.tasks.get(id);
  }

  private prune(): void {
    const finished = [...this.tasks.values()].filter((task) => task.state === 'succeeded' || task.state === 'failed');
    for (const task of finished.slice(0, Math.max(0, finished.length - FINISHED_TASKS_KEPT))) {
      this.tasks.delete(task.id);
    }
  }
}
