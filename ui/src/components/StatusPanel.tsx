import Alert from '@mui/material/Alert';
import CircularProgress from '@mui/material/CircularProgress';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import type { PlatformVerdict } from '@arm-runner/contract';
import type { StatusState } from '../hooks/useStatus.ts';

const VERDICT_LABEL: Record<PlatformVerdict['code'], string> = {
  'native': 'Runs natively',
  'host-handler': 'Emulated by a host handler with F',
  'needs-qemu-in-image': 'Needs QEMU inside the image',
  'cannot-run': 'Cannot run',
};

export function StatusPanel({ state }: { state: StatusState }) {
  if (state.kind === 'loading') {
    return (
      <Stack direction="row" spacing={2} alignItems="center">
        <CircularProgress size={20} aria-label="Loading emulation status" />
        <Typography>Reading the engine's emulation status…</Typography>
      </Stack>
    );
  }
  if (state.kind === 'error') {
    return <Alert severity="error">{state.error.message}</Alert>;
  }

  const { engine, platforms } = state.status;
  return (
    <Stack spacing={1}>
      <Typography variant="h3">Emulation status</Typography>
      <Typography>
        Engine: {engine.os}/{engine.architecture}, Docker {engine.serverVersion}
      </Typography>
      <List aria-label="Platforms">
        {platforms.map((verdict) => (
          <ListItem key={verdict.platform} disableGutters>
            <ListItemText
              primary={`${verdict.platform}: ${VERDICT_LABEL[verdict.code]}`}
              secondary={verdict.fix === undefined ? verdict.message : `${verdict.message} ${verdict.fix}`}
            />
          </ListItem>
        ))}
      </List>
    </Stack>
  );
}
