import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { PlatformVerdict, ProbeResult, QemuArch, StatusResponse } from '@arm-runner/contract';
import type { ArmRunnerApi } from '../api/client.ts';
import { describeFlags } from './flags.ts';
import { FindingList } from './FindingList.tsx';
import { RegisterHandlerDialog } from './RegisterHandlerDialog.tsx';
import { RemoveHandlerDialog } from './RemoveHandlerDialog.tsx';

const VERDICT_LABEL: Record<PlatformVerdict['code'], string> = {
  'native': 'Runs natively',
  'host-handler': 'Emulated by a host handler with F',
  'needs-qemu-in-image': 'Needs QEMU inside the image',
  'cannot-run': 'Cannot run',
};

const VERDICT_COLOR: Record<PlatformVerdict['code'], 'success' | 'info' | 'warning' | 'error'> = {
  'native': 'success',
  'host-handler': 'success',
  'needs-qemu-in-image': 'info',
  'cannot-run': 'error',
};

// The entries ARM Runner registers, and so can remove, by name.
const MANAGED_HANDLERS: Record<string, QemuArch> = { 'qemu-arm': 'arm', 'qemu-aarch64': 'aarch64' };

function describeProbe(result: ProbeResult): string {
  switch (result.outcome) {
    case 'ran':
      return `ran (uname -m: ${result.machine ?? 'unknown'})`;
    case 'exec-format-error':
      return 'failed: exec format error';
    case 'interpreter-missing':
      return 'failed: interpreter not found in the container';
    case 'wrong-emulator':
      return 'failed: rejected by an emulator for another CPU';
    case 'emulator-crash':
      return 'crashed inside QEMU';
    case 'failed':
      return `failed (exit code ${result.exitCode ?? 'unknown'})`;
  }
}

interface Props {
  api: ArmRunnerApi;
  status: StatusResponse;
  refreshing: boolean;
  /** Reads the status again; `retest` also runs the test program again. */
  onRefresh: (retest?: boolean) => void;
}

export function StatusPanel({ api, status, refreshing, onRefresh }: Props) {
  const { engine, binfmt, platforms } = status;
  const [registering, setRegistering] = useState<QemuArch | undefined>(undefined);
  const [removing, setRemoving] = useState<QemuArch | undefined>(undefined);
  const armHandlers = binfmt.handlers.filter((handler) => handler.matches.length > 0);

  return (
    <Stack spacing={2} component="section" aria-label="Emulation status">
      <Stack direction="row" spacing={2} alignItems="center">
        <Typography variant="h3">Emulation status</Typography>
        <Button size="small" onClick={() => onRefresh()} disabled={refreshing}>
          {refreshing ? 'Refreshing…' : 'Refresh'}
        </Button>
        <Button size="small" onClick={() => onRefresh(true)} disabled={refreshing}>
          Test again
        </Button>
      </Stack>
      <Typography>
        Engine: {engine.os}/{engine.architecture}, Docker {engine.serverVersion}
      </Typography>

      <Typography variant="subtitle2">ARM handlers in binfmt_misc</Typography>
      <FindingList findings={status.warnings} />
      {armHandlers.length === 0 ? (
        <Typography color="text.secondary">None. No ARM program can run on this engine until a handler is registered.</Typography>
      ) : (
        <Stack component="ul" spacing={1} sx={{ pl: 2, m: 0 }}>
          {armHandlers.map((handler) => (
            <li key={handler.name}>
              <Typography>
                <strong>{handler.name}</strong> ({handler.enabled ? 'enabled' : 'disabled'}), interpreter <code>{handler.interpreter}</code>,
                for {handler.matches.join(', ')}
              </Typography>
              <Typography variant="body2" color="text.secondary">
                Flags: {describeFlags(handler.flags)}
              </Typography>
              {MANAGED_HANDLERS[handler.name] !== undefined && (
                <Button size="small" color="error" onClick={() => setRemoving(MANAGED_HANDLERS[handler.name])}>
                  Remove…
                </Button>
              )}
            </li>
          ))}
        </Stack>
      )}

      <Typography variant="subtitle2">Platforms</Typography>
      <Stack spacing={1}>
        {platforms.map((verdict) => (
          <Stack key={verdict.platform} spacing={0.5} aria-label={`Verdict for ${verdict.platform}`}>
            <Stack direction="row" spacing={1} alignItems="center">
              <Typography sx={{ minWidth: 110 }}>{verdict.platform}</Typography>
              <Chip size="small" color={VERDICT_COLOR[verdict.code]} label={VERDICT_LABEL[verdict.code]} />
            </Stack>
            {verdict.code === 'cannot-run' ? (
              <Alert
                severity="error"
                action={
                  <Button color="inherit" size="small" onClick={() => setRegistering(verdict.platform === 'linux/arm64' ? 'aarch64' : 'arm')}>
                    Register handler…
                  </Button>
                }
              >
                {verdict.message} {verdict.fix}
              </Alert>
            ) : (
              <Typography variant="body2" color="text.secondary">
                {verdict.message}
              </Typography>
            )}
            {verdict.test !== undefined && (
              <Typography variant="body2" color="text.secondary" aria-label={`Test of ${verdict.platform}`}>
                Test program: as a plain image it {describeProbe(verdict.test.plain)}; with QEMU added it {describeProbe(verdict.test.augmented)}.
              </Typography>
            )}
            <FindingList
              findings={verdict.warnings}
              actionFor={(finding) =>
                finding.code === 'TABLE_DISAGREES_WITH_TEST' ? (
                  <Button color="inherit" size="small" onClick={() => onRefresh(true)}>
                    Test again
                  </Button>
                ) : null
              }
            />
          </Stack>
        ))}
      </Stack>
      {registering !== undefined && (
        <RegisterHandlerDialog api={api} arch={registering} open onClose={() => setRegistering(undefined)} onRegistered={() => onRefresh()} />
      )}
      {removing !== undefined && (
        <RemoveHandlerDialog api={api} arch={removing} open onClose={() => setRemoving(undefined)} onRemoved={() => onRefresh()} />
      )}
    </Stack>
  );
}
