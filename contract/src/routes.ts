/**
 * Route paths of the backend API. Path parameters are filled in by the helpers,
 * which encode them, so that no client builds a URL by hand.
 */
export const ROUTES = {
  status: '/status',
  runs: '/runs',
  augmentedImages: '/augmented-images',
  images: '/images',
  imagePull: '/images/pull',
  imageCheck: '/images/check',
  cleanupPlan: '/cleanup/plan',
  cleanup: '/cleanup',
  sample: '/sample',
  handlers: '/handlers',
} as const;

export function taskPath(taskId: string): string {
  return `/tasks/${encodeURIComponent(taskId)}`;
}

export function runPath(runId: string): string {
  return `/runs/${encodeURIComponent(runId)}`;
}

export function runLogsPath(runId: string, tail?: number): string {
  const query = tail === undefined ? '' : `?tail=${encodeURIComponent(String(tail))}`;
  return `${runPath(runId)}/logs${query}`;
}

export function runStopPath(runId: string): string {
  return `${runPath(runId)}/stop`;
}

/** The path that removes the handler of one QEMU emulator ("arm" or "aarch64"). */
export function handlerPath(arch: string): string {
  return `${ROUTES.handlers}/${encodeURIComponent(arch)}`;
}
