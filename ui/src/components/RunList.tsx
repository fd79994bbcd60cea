import Alert from '@mui/material/Alert';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import type { ApiError, RunInfo } from '@arm-runner/contract';
import type { ArmRunnerApi } from '../api/client.ts';
import { RunCard } from './RunCard.tsx';

interface Props {
  api: ArmRunnerApi;
  runs: RunInfo[] | undefined;
  error: ApiError | undefined;
  onChanged: () => void;
}

export function RunList({ api, runs, error, onChanged }: Props) {
  return (
    <Stack spacing={2} component="section" aria-label="Runs">
      <Typography variant="h3">Runs</Typography>
      {error !== undefined && <Alert severity="error">Could not list the runs: {error.message}</Alert>}
      {runs !== undefined && runs.length === 0 && (
        <Typography color="text.secondary">No runs yet. Pick an image above, or try the sample.</Typography>
      )}
      {runs?.map((run) => <RunCard key={run.id} api={api} run={run} onChanged={onChanged} />)}
    </Stack>
  );
}
