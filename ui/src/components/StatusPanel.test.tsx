import { render, screen } from '@testing-library/react';
import type { StatusResponse } from '@arm-runner/contract';
import { describe, expect, it } from 'vitest';
import { StatusPanel } from './StatusPanel.tsx';

const status: StatusResponse = {
  engine: { os: 'linux', architecture: 'amd64', kernelVersion: '6.1', serverVersion: '20.10.24', apiVersion: '1.41' },
  binfmt: { enabled: true, handlers: [] },
  platforms: [
    { platform: 'linux/arm/v7', code: 'cannot-run', message: 'linux/arm/v7 cannot run.', fix: 'Register a QEMU handler.', warnings: [] },
    { platform: 'linux/arm64', code: 'needs-qemu-in-image', message: 'linux/arm64 needs QEMU inside the image.', warnings: [] },
  ],
  qemu: [],
};

describe('StatusPanel', () => {
  it('shows a verdict and a fix for each platform', () => {
    render(<StatusPanel state={{ kind: 'ready', status }} />);
    expect(screen.getByText('linux/arm/v7: Cannot run')).toBeTruthy();
    expect(screen.getByText(/Register a QEMU handler/)).toBeTruthy();
    expect(screen.getByText('linux/arm64: Needs QEMU inside the image')).toBeTruthy();
  });

  it('shows the backend error message', () => {
    render(<StatusPanel state={{ kind: 'error', error: { code: 'ENGINE_UNREACHABLE', message: 'Could not reach the Docker engine.' } }} />);
    expect(screen.getByRole('alert').textContent).toBe('Could not reach the Docker engine.');
  });

  it('shows progress while loading', () => {
    render(<StatusPanel state={{ kind: 'loading' }} />);
    expect(screen.getByLabelText('Loading emulation status')).toBeTruthy();
  });
});
