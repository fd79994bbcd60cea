import { describe, expect, it } from 'vitest';
import { ArmRunnerError } from '../errors.ts';
import { TaskRegistry } from './task-registry.ts';

/** Returns a promise and the function that settles it, so a test decides when work ends. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

describe('TaskRegistry', () => {
  it('shows the endpoint before the task ends', async () => {
    const registry = new TaskRegistry();
    const finish = deferred<string>();
    const task = registry.start('run', (context) => {
      context.step('Waiting for http://127.0.0.1:32768/ to answer');
      context.endpoint('http://127.0.0.1:32768/');
      context.step('Reading emulation evidence');
      return finish.promise;
    });

    expect(registry.get(task.id)?.state).toBe('running');
    expect(registry.get(task.id)?.endpoint).toBe('http://127.0.0.1:32768/');
    expect(registry.get(task.id)?.step).toBe('Reading emulation evidence');

    finish.resolve('done');
    await new Promise((resolve) => setImmediate(resolve));
    expect(registry.get(task.id)?.state).toBe('succeeded');
    expect(registry.get(task.id)?.result).toBe('done');
  });

  it('keeps the log and the error of a failed task', async () => {
    const registry = new TaskRegistry();
    const failure = new ArmRunnerError('IMAGE_NOT_FOUND', 'No image named busybox:none.');
    const task = registry.start('run', (context) => {
      context.step('Resolving busybox:none');
      return Promise.reject(failure);
    });
    await new Promise((resolve) => setImmediate(resolve));

    expect(registry.get(task.id)?.state).toBe('failed');
    expect(registry.get(task.id)?.error?.code).toBe('IMAGE_NOT_FOUND');
    expect(registry.get(task.id)?.log).toEqual(['Resolving busybox:none']);
    expect(registry.get(task.id)?.endpoint).toBeUndefined();
  });
});
