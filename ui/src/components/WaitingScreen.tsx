import Alert from '@mui/material/Alert';
import CircularProgress from '@mui/material/CircularProgress';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import type { ApiError } from '@arm-runner/contract';

interface Props {
  slow: boolean;
  attempts: number;
  lastError?: ApiError;
}

/** Waiting screen, shown until the backend responds. After a while it explains what the user can do. */
export function WaitingScreen({ slow, attempts, lastError }: Props) {
  return (
    <Stack spacing={2} alignItems="flex-start" role="status" aria-label="Waiting for the backend">
      <Stack direction="row" spacing={2} alignItems="center">
        <CircularProgress size={24} />
        <Typography>Starting the ARM Runner backend…</Typography>
      </Stack>
      {slow && (
        <Alert severity="warning">
          The backend has not responded after {attempts} attempts, and ARM Runner keeps trying. In Docker Desktop, check that
          the engine is running, then reinstall the extension if this stays. In standalone mode, check the terminal that
          runs &quot;npm start&quot; for errors.
          {lastError !== undefined && <> Last error: {lastError.message}</>}
        </Alert>
      )}
    </Stack>
  );
}
