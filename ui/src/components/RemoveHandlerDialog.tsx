import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import { useState } from 'react';
import type { ApiError, QemuArch } from '@arm-runner/contract';
import { toApiError, type ArmRunnerApi } from '../api/client.ts';

interface Props {
  api: ArmRunnerApi;
  arch: QemuArch;
  open: boolean;
  onClose: () => void;
  onRemoved: () => void;
}

/** Says what removing a handler breaks, and removes it only after consent. */
export function RemoveHandlerDialog({ api, arch, open, onClose, onRemoved }: Props) {
  const [working, setWorking] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const name = `qemu-${arch}`;
  const programs = arch === 'arm' ? '32-bit ARM (arm/v6, arm/v7)' : '64-bit ARM (arm64)';

  const remove = (): void => {
    setWorking(true);
    setError(undefined);
    api.removeHandler(arch).then(
      (results) => {
        setWorking(false);
        api.toastSuccess(`${name}: ${results[0]?.outcome ?? 'done'}.`);
        onRemoved();
        onClose();
      },
      (failure: unknown) => {
        setWorking(false);
        setError(toApiError(failure));
      },
    );
  };

  return (
    <Dialog open={open} onClose={onClose} aria-labelledby="remove-handler-title">
      <DialogTitle id="remove-handler-title">Remove the {name} handler?</DialogTitle>
      <DialogContent>
        <DialogContentText>
          ARM Runner will delete the {name} entry from binfmt_misc on the engine&apos;s host, through a short-lived helper container
          with only the CAP_SYS_ADMIN capability. After that, no container on this engine can start new {programs} programs, whoever
          started it, until a handler is registered again. Programs that are already running keep their emulator.
        </DialogContentText>
        {error !== undefined && <Alert severity="error">{error.message}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" color="error" onClick={remove} disabled={working}>
          {working ? 'Removing…' : 'Remove'}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
