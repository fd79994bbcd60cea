import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import { useState } from 'react';
import type { ApiError, QemuArch } from '@arm-runner/contract';
import { toApiError, type ArmRunnerApi } from '../api/client.ts';

interface Props {
  api: ArmRunnerApi;
  arch: QemuArch;
  open: boolean;
  onClose: () => void;
  onRegistered: () => void;
  /** Starts with the C flag ticked, for a fix of setuid programs. */
  withCredentials?: boolean;
}

/** Says what registering a handler changes on the engine's host, and registers it only after consent. */
export function RegisterHandlerDialog({ api, arch, open, onClose, onRegistered, withCredentials = false }: Props) {
  const [fixBinary, setFixBinary] = useState(true);
  const [credentials, setCredentials] = useState(withCredentials);
  const [working, setWorking] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const name = `qemu-${arch}`;

  const register = (): void => {
    setWorking(true);
    setError(undefined);
    api.registerHandler({ arches: [arch], flags: `${credentials ? 'C' : ''}${fixBinary ? 'F' : ''}` }).then(
      (results) => {
        setWorking(false);
        api.toastSuccess(`${name}: ${results[0]?.outcome ?? 'done'}.`);
        onRegistered();
        onClose();
      },
      (failure: unknown) => {
        setWorking(false);
        setError(toApiError(failure));
      },
    );
  };

  return (
    <Dialog open={open} onClose={onClose} aria-labelledby="register-handler-title">
      <DialogTitle id="register-handler-title">Register the {name} handler?</DialogTitle>
      <DialogContent>
        <DialogContentText>
          ARM Runner will add a {name} entry to binfmt_misc on the engine&apos;s host, pointing at its bundled static QEMU at
          /usr/bin/{name}-static. A short-lived helper container with only the CAP_SYS_ADMIN capability writes it. The entry
          affects every container on this engine, and lasts until the engine&apos;s host or VM restarts.
        </DialogContentText>
        <FormControlLabel
          control={<Checkbox checked={fixBinary} onChange={(event) => setFixBinary(event.target.checked)} />}
          label={
            fixBinary
              ? 'F flag: the kernel keeps the bundled QEMU open, so plain and augmented images both run (recommended)'
              : 'No F flag: the kernel looks for QEMU inside each container, so only augmented images run'
          }
        />
        <FormControlLabel
          control={<Checkbox checked={credentials} onChange={(event) => setCredentials(event.target.checked)} />}
          label={
            credentials
              ? 'C flag: setuid programs such as su and sudo gain their privileges under emulation (the kernel also sets O)'
              : 'No C flag: setuid programs run without their privileges, so su and sudo fail'
          }
        />
        {error !== undefined && <Alert severity="error">{error.message}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" onClick={register} disabled={working}>
          {working ? 'Registering…' : 'Register'}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
