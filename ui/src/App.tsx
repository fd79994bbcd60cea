import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useMemo } from 'react';
import type { ArmRunnerApi } from './api/client.ts';
import { StatusPanel } from './components/StatusPanel.tsx';
import { useStatus } from './hooks/useStatus.ts';

export function App({ api }: { api: ArmRunnerApi }) {
  const status = useStatus(useMemo(() => api, [api]));
  return (
    <Stack spacing={3} sx={{ p: 3 }}>
      <Typography variant="h2">ARM Runner</Typography>
      <Typography variant="body1" color="text.secondary">
        Run ARM container images on this engine through QEMU.
      </Typography>
      <StatusPanel state={status} />
    </Stack>
  );
}
