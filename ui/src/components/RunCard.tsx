import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardActions from '@mui/material/CardActions';
import CardContent from '@mui/material/CardContent';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Link from '@mui/material/Link';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useCallback, useEffect, useState } from 'react';
import type { RunDetails, RunEmulation, RunInfo } from '@arm-runner/contract';
import { toApiError, type ArmRunnerApi } from '../api/client.ts';
import { cliEquivalent } from '../cliEquivalent.ts';
import { usePolling } from '../hooks/usePolling.ts';
import { FindingList } from './FindingList.tsx';
import { RegisterHandlerDialog } from './RegisterHandlerDialog.tsx';

const MODE_TEXT: Record<RunEmulation['mode'], string> = {
  'native': 'runs natively',
  'host-handler': 'host handler (QEMU inside the image unused)',
  'in-image': 'QEMU inside the image',
};

export function describeEvidence(emulation: RunEmulation): string {
  const flags = emulation.handlerFlags.includes('F') ? `with ${emulation.handlerFlags.join('')}` : 'without F';
  const parts = [
    emulation.machine ?? 'uname -m unavailable',
    MODE_TEXT[emulation.mode],
    emulation.handler === null ? 'no handler' : `handler ${emulation.handler} ${flags}`,
  ];
  if (emulation.interpreter !== null) {
    parts.push(`interpreter ${emulation.interpreter}`);
  }
  return parts.join(' · ');
}

function RunLogs({ api, runId }: { api: ArmRunnerApi; runId: string }) {
  const load = useCallback(() => api.getLogs(runId, 50), [api, runId]);
  const logs = usePolling(load, 3000);
  return (
    <Box component="pre" aria-label="Logs" sx={{ maxHeight: 200, overflow: 'auto', fontSize: 12, bgcolor: 'action.hover', p: 1, m: 0 }}>
      {logs.error?.message ?? logs.value ?? 'Loading logs…'}
    </Box>
  );
}

interface Props {
  api: ArmRunnerApi;
  run: RunInfo;
  onChanged: () => void;
}

/** Renders one run: image, state, endpoint links, emulation evidence and actions. */
export function RunCard({ api, run, onChanged }: Props) {
  const [details, setDetails] = useState<RunDetails | undefined>(undefined);
  const [registering, setRegistering] = useState<'plain' | 'credentials' | undefined>(undefined);
  const [showLogs, setShowLogs] = useState(false);
  const [showCli, setShowCli] = useState(false);
  const [acting, setActing] = useState(false);
  const running = run.state === 'running';

  useEffect(() => {
    if (!running) {
      return undefined;
    }
    let cancelled = false;
    api.getRun(run.id).then(
      (loaded) => {
        if (!cancelled) {
          setDetails(loaded);
        }
      },
      (error: unknown) => {
        if (!cancelled) {
          api.toastError(`Could not read the emulation evidence of ${run.id}: ${toApiError(error).message}`);
        }
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, run.id, running]);

  const act = (work: () => Promise<unknown>, done: string): void => {
    setActing(true);
    work()
      .then(() => api.toastSuccess(done))
      .catch((error: unknown) => api.toastError(toApiError(error).message))
      .finally(() => {
        setActing(false);
        onChanged();
      });
  };

  return (
    <Card variant="outlined" component="article" aria-label={`Run ${run.id}`}>
      <CardContent>
        <Stack direction="row" spacing={1} alignItems="center">
          <Typography variant="h3" sx={{ fontSize: '1rem' }}>
            {run.image}
          </Typography>
          <Chip size="small" label={run.platform} />
          <Chip size="small" color={running ? 'success' : 'default'} label={run.state} />
          <Typography variant="caption" color="text.secondary">
            {run.id}
          </Typography>
        </Stack>
        <Stack direction="row" spacing={2} sx={{ mt: 1 }}>
          {run.endpoints.map((endpoint) => (
            <Link
              key={endpoint}
              href={endpoint}
              onClick={(event) => {
                event.preventDefault();
                api.openExternal(endpoint);
              }}
            >
              {endpoint}
            </Link>
          ))}
          {run.exposeOnLan && <Chip size="small" color="warning" label="exposed on LAN" />}
        </Stack>
        {details?.emulation !== undefined && (
          <Typography variant="body2" sx={{ mt: 1 }} aria-label="Emulation evidence">
            {describeEvidence(details.emulation)}
          </Typography>
        )}
        {details !== undefined && (
          <FindingList
            findings={details.warnings}
            actionFor={(finding) => {
              if (finding.code === 'SETUID_WITHOUT_C_FLAG') {
                return (
                  <Button color="inherit" size="small" onClick={() => setRegistering('credentials')}>
                    Register with C…
                  </Button>
                );
              }
              if (finding.code === 'HANDLER_GONE') {
                return (
                  <Button color="inherit" size="small" onClick={() => setRegistering('plain')}>
                    Register handler…
                  </Button>
                );
              }
              return null;
            }}
          />
        )}
        {registering !== undefined && (
          <RegisterHandlerDialog
            api={api}
            arch={run.platform === 'linux/arm64' ? 'aarch64' : 'arm'}
            open
            withCredentials={registering === 'credentials'}
            onClose={() => setRegistering(undefined)}
            onRegistered={() => setRegistering(undefined)}
          />
        )}
        {showLogs && <RunLogs api={api} runId={run.id} />}
      </CardContent>
      <CardActions>
        <Button size="small" onClick={() => setShowLogs((shown) => !shown)}>
          {showLogs ? 'Hide logs' : 'Logs'}
        </Button>
        {api.insideDesktop && (
          <Button size="small" onClick={() => void api.viewContainerLogs(run.containerId)}>
            Open in Docker Desktop
          </Button>
        )}
        <Button size="small" onClick={() => setShowCli(true)}>
          CLI equivalent
        </Button>
        {running && (
          <Button size="small" disabled={acting} onClick={() => act(() => api.stopRun(run.id), `Stopped ${run.id}.`)}>
            Stop
          </Button>
        )}
        <Button size="small" color="error" disabled={acting} onClick={() => act(() => api.removeRun(run.id), `Removed ${run.id}.`)}>
          Remove
        </Button>
      </CardActions>
      <Dialog open={showCli} onClose={() => setShowCli(false)} maxWidth="md" fullWidth>
        <DialogTitle>The same run with the docker CLI</DialogTitle>
        <DialogContent>
          <Box component="pre" sx={{ whiteSpace: 'pre-wrap', fontSize: 13 }}>
            {cliEquivalent(run)}
          </Box>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setShowCli(false)}>Close</Button>
        </DialogActions>
      </Dialog>
    </Card>
  );
}
