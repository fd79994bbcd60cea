import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import LinearProgress from '@mui/material/LinearProgress';
import Link from '@mui/material/Link';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import type { ArmRunnerTask } from '../api/client.ts';

// The steps a run task reports, in order, by the first words of their text.
const RUN_STEPS = ['Loading', 'Resolving', 'Checking', 'Building', 'Starting', 'Waiting', 'Reading'];

function progressPercent(task: ArmRunnerTask): number {
  if (task.state === 'succeeded' || task.state === 'failed') {
    return 100;
  }
  // A pull reports layer events, not the run's steps, so its bar is indeterminate.
  if (task.kind === 'pull') {
    return 50;
  }
  const index = RUN_STEPS.findIndex((step) => task.step.startsWith(step) || (step === 'Building' && task.step.startsWith('Reusing')));
  return index === -1 ? 5 : Math.round(((index + 1) / (RUN_STEPS.length + 1)) * 100);
}

interface Props {
  task: ArmRunnerTask;
  onOpenEndpoint: (url: string) => void;
}

/**
 * Progress of a run task: a bar, the current step and the tail of its log, or
 * what failed. A run's endpoint becomes a link as soon as it responds.
 */
export function TaskProgress({ task, onOpenEndpoint }: Props) {
  if (task.state === 'failed') {
    return (
      <Alert severity="error" role="alert">
        <AlertTitle>
          The {task.kind === 'pull' ? 'pull' : 'run'} failed ({task.error?.code})
        </AlertTitle>
        {task.error?.message}
        {task.error?.detail !== undefined && (
          <Box component="pre" sx={{ whiteSpace: 'pre-wrap', fontSize: 12, mt: 1, mb: 0 }}>
            {task.error.detail}
          </Box>
        )}
      </Alert>
    );
  }

  let heading = task.step;
  if (task.state === 'succeeded') {
    heading = task.kind === 'pull' ? 'The pull is done.' : 'The run is up.';
  }

  return (
    <Stack spacing={1} aria-label="Run progress">
      <Typography>{heading}</Typography>
      <LinearProgress variant="determinate" value={progressPercent(task)} aria-label="Run progress" />
      {task.state === 'running' && task.endpoint !== undefined && (
        <Typography variant="body2">
          The endpoint answers at{' '}
          <Link
            href={task.endpoint}
            onClick={(event) => {
              event.preventDefault();
              onOpenEndpoint(task.endpoint ?? '');
            }}
          >
            {task.endpoint}
          </Link>
          . Reading the emulation evidence.
        </Typography>
      )}
      <Box component="pre" sx={{ fontSize: 12, m: 0, color: 'text.secondary', whiteSpace: 'pre-wrap' }}>
        {task.log.slice(-5).join('\n')}
      </Box>
    </Stack>
  );
}
