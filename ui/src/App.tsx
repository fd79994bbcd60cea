import Alert from '@mui/material/Alert';
import Divider from '@mui/material/Divider';
import Grid from '@mui/material/Grid2';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useCallback, useState } from 'react';
import type { ApiError, PullRequest, PullResult, RunRequest, RunResult } from '@arm-runner/contract';
import { toApiError, type ArmRunnerApi, type ArmRunnerTask } from './api/client.ts';
import { RunForm } from './components/RunForm.tsx';
import { RunList } from './components/RunList.tsx';
import { StatusPanel } from './components/StatusPanel.tsx';
import { TaskProgress } from './components/TaskProgress.tsx';
import { WaitingScreen } from './components/WaitingScreen.tsx';
import { DEFAULT_TIMING, useBackendStatus, type BackendTiming } from './hooks/useBackendStatus.ts';
import { usePolling } from './hooks/usePolling.ts';
import { useTask } from './hooks/useTask.ts';

const RUNS_POLL_MS = 3000;
const IMAGES_POLL_MS = 15_000;

export function App({ api, timing = DEFAULT_TIMING }: { api: ArmRunnerApi; timing?: BackendTiming }) {
  const { state, refresh } = useBackendStatus(api, timing);
  const ready = state.kind === 'ready';

  const loadImages = useCallback(() => api.listImages(), [api]);
  const images = usePolling(loadImages, IMAGES_POLL_MS, ready);
  const loadRuns = useCallback(() => api.listRuns(), [api]);
  const runs = usePolling(loadRuns, RUNS_POLL_MS, ready);

  const [taskId, setTaskId] = useState<string | undefined>(undefined);
  const [startError, setStartError] = useState<ApiError | undefined>(undefined);
  const reloadRuns = runs.reload;
  const reloadImages = images.reload;
  const [pulledImage, setPulledImage] = useState<string | undefined>(undefined);
  const onFinished = useCallback(
    (task: ArmRunnerTask) => {
      if (task.state === 'succeeded' && task.result !== undefined) {
        if (task.kind === 'pull') {
          const pull = task.result as PullResult;
          api.toastSuccess(`Pulled ${pull.resolvedPlatform} of ${pull.reference} as ${pull.digestReference}.`);
          setPulledImage(pull.digestReference);
          reloadImages();
        } else {
          const run = task.result as RunResult;
          api.toastSuccess(`Run ${run.id} is up at ${run.endpoints[0] ?? 'no endpoint'}.`);
        }
      } else if (task.error !== undefined) {
        api.toastError(task.error.message);
      }
      reloadRuns();
    },
    [api, reloadRuns, reloadImages],
  );
  const task = useTask(api, taskId, onFinished);
  const busy = taskId !== undefined && (task === undefined || task.state === 'running' || task.state === 'pending');

  const start = (request: () => Promise<{ taskId: string }>): void => {
    setStartError(undefined);
    request().then(
      (accepted) => setTaskId(accepted.taskId),
      (error: unknown) => setStartError(toApiError(error)),
    );
  };

  return (
    <Stack spacing={3} sx={{ p: 3 }}>
      <Stack spacing={0.5}>
        <Typography variant="h2">ARM Runner</Typography>
        <Typography color="text.secondary">Run ARM (arm/v6, arm/v7, arm64) container images on this engine through QEMU.</Typography>
      </Stack>

      {state.kind === 'unauthorized' && <Alert severity="error">{state.error.message}</Alert>}
      {state.kind === 'waiting' && (
        <WaitingScreen slow={state.slow} attempts={state.attempts} {...(state.lastError === undefined ? {} : { lastError: state.lastError })} />
      )}
      {state.kind === 'ready' && (
        <>
          <Grid container spacing={4}>
            <Grid size={{ xs: 12, md: 6 }}>
              <StatusPanel api={api} status={state.status} refreshing={state.refreshing} onRefresh={(retest) => void refresh(retest)} />
            </Grid>
            <Grid size={{ xs: 12, md: 6 }}>
              <Stack spacing={2}>
                <RunForm
                  images={images.value ?? []}
                  busy={busy}
                  onRun={(request: RunRequest) => start(() => api.startRun(request))}
                  onPull={(request: PullRequest) => start(() => api.startPull(request))}
                  {...(pulledImage === undefined ? {} : { pulledImage })}
                  onSample={() => start(() => api.startSample())}
                />
                {startError !== undefined && <Alert severity="error">{startError.message}</Alert>}
                {task !== undefined && <TaskProgress task={task} onOpenEndpoint={(url) => api.openExternal(url)} />}
              </Stack>
            </Grid>
          </Grid>
          <Divider />
          <RunList api={api} runs={runs.value} error={runs.error} onChanged={reloadRuns} />
        </>
      )}
    </Stack>
  );
}
