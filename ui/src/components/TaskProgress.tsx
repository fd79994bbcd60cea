import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import LinearProgress from '@mui/material/LinearProgress';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import type { RunResult, TaskInfo } from '@arm-runner/contract';

// The steps a run task reports, in order, by the first words of their text.
const RUN_STEPS = ['Loading', 'Resolving', 'Checking', 'Building', 'Starting', 'Waiting', 'Reading'];

function progressPercent(task: TaskInfo<RunResult>): number {
  if (task.state === 'succeeded' || task.state === 'failed') {
    return 100;
  }
  const index = RUN_STEPS.findIndex((step) => task.step.startsWith(step) || (step === 'Building' && task.step.startsWith('Reusing')));
  return index === -1 ? 5 : Math.round(((index + 1) / (RUN_STEPS.length + 1)) * 100);
}

/** Progress of a run task: a bar, the current step and the tail of its log, or what failed. */
export function TaskProgress({ task }: { task: TaskInfo<RunResult> }) {
  if (task.state === 'failed') {
    return (
      <Alert severity="error" role="alert">
        <AlertTitle>The run failed ({task.error?.code})</AlertTitle>
        {task.error?.message}
        {task.error?.detail !== undefined && (
          <Box component="pre" sx={{ whiteSpace: 'pre-wrap', fontSize: 12, mt: 1, mb: 0 }}>
            {task.error.detail}
          </Box>
        )}
      </Alert>
    );
  }

  return (
    <Stack spacing={1} aria-label="Run progress">
      <Typography>{task.state === 'succeeded' ? 'The run is up.' : task.step}</Typography>
      <LinearProgress variant="determinate" value={progressPercent(task)} aria-label="Run progress" />
      <Box component="pre" sx={{ fontSize: 12, m: 0, color: 'text.secondary', whiteSpace: 'pre-wrap' }}>
        {task.log.slice(-5).join('\n')}
      </Box>
    </Stack>
  );
}
