/* eslint-disable @typescript-eslint/only-throw-error -- Docker Desktop rejects service calls with plain objects, which these fakes reproduce. */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { LocalImage, RunInfo, StatusResponse, TaskInfo } from '@arm-runner/contract';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApi, type DesktopClient } from './api/client.ts';
import { App } from './App.tsx';

type Handler = (data?: unknown) => unknown;

/** A fake ddClient whose service responds from a table of "METHOD /path" handlers. */
function fakeClient(routes: Record<string, Handler>) {
  const calls: { method: string; url: string; data?: unknown }[] = [];
  const respond = (method: string, url: string, data?: unknown): Promise<unknown> =>
    Promise.resolve().then(() => {
      calls.push({ method, url, data });
      const handler = routes[`${method} ${url}`];
      if (handler === undefined) {
        throw { name: 'HttpError', statusCode: 404, message: JSON.stringify({ code: 'INVALID_REQUEST', message: `no fake for ${method} ${url}` }) };
      }
      return handler(data);
    });
  const client = {
    extension: {
      vm: {
        service: {
          get: (url: string) => respond('GET', url),
          post: (url: string, data: unknown) => respond('POST', url, data),
          delete: (url: string) => respond('DELETE', url),
        },
      },
    },
    host: { openExternal: vi.fn() },
    desktopUI: {
      toast: { success: vi.fn(), warning: vi.fn(), error: vi.fn() },
      navigate: { viewContainerLogs: vi.fn(() => Promise.resolve()) },
    },
  } satisfies DesktopClient;
  return { client, calls };
}

function status(overrides: Partial<StatusResponse> = {}): StatusResponse {
  return {
    engine: { os: 'linux', architecture: 'amd64', kernelVersion: '6.1', serverVersion: '20.10.24', apiVersion: '1.41' },
    binfmt: {
      enabled: true,
      handlers: [
        {
          name: 'qemu-arm',
          enabled: true,
          interpreter: '/usr/bin/qemu-arm-static',
          flags: [],
          offset: 0,
          magic: '7f454c46',
          mask: 'ffffffff',
          matches: ['linux/arm/v6', 'linux/arm/v7'],
          nativeFormats: [],
        },
      ],
    },
    platforms: [
      { platform: 'linux/arm/v6', code: 'needs-qemu-in-image', handler: 'qemu-arm', message: 'linux/arm/v6 needs QEMU inside the image.', warnings: [] },
      { platform: 'linux/arm/v7', code: 'needs-qemu-in-image', handler: 'qemu-arm', message: 'linux/arm/v7 needs QEMU inside the image.', warnings: [] },
      {
        platform: 'linux/arm64',
        code: 'cannot-run',
        message: 'linux/arm64 cannot run: no enabled binfmt_misc handler matches 64-bit ARM (AArch64) ELF.',
        fix: 'Register a qemu-aarch64 handler on the engine\'s host.',
        warnings: [],
      },
    ],
    qemu: [],
    warnings: [],
    ...overrides,
  };
}

const IMAGES: LocalImage[] = [
  { reference: 'arm-runner-fixture/httpd:armv7', id: 'sha256:a', platform: 'linux/arm/v7', exposedPorts: [{ containerPort: 80, protocol: 'tcp' }], createdAt: '' },
];

const RUN: RunInfo = {
  id: '335acf8c33c3',
  containerId: '335acf8c33c3aaaa',
  name: 'arm-runner-httpd',
  image: 'arm-runner-fixture/httpd:armv7',
  sourceImageId: 'sha256:f42f',
  platform: 'linux/arm/v7',
  augmentedImage: 'arm-runner/arm-runner-fixture/httpd:armv7-linux-arm-v7',
  state: 'running',
  createdAt: '2026-12-04T19:00:00.000Z',
  ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 32768 }],
  endpoints: ['http://127.0.0.1:32768/'],
  exposeOnLan: false,
};

const EMULATION = {
  machine: 'armv7l',
  interpreter: '/usr/bin/qemu-arm-static',
  handler: 'qemu-arm',
  handlerFlags: [],
  mode: 'in-image' as const,
  inImageQemuUsed: true,
  qemuVersion: '7.2.22',
};

function task(overrides: Partial<TaskInfo>): TaskInfo {
  return { id: 't1', kind: 'run', state: 'running', step: 'Resolving', log: [], createdAt: '', updatedAt: '', ...overrides };
}

const FAST = { initialDelayMs: 10, maxDelayMs: 20, slowAfterMs: 0 };

function renderApp(routes: Record<string, Handler>) {
  const fake = fakeClient({ 'GET /images': () => IMAGES, 'GET /runs': () => [], ...routes });
  render(<App api={createApi(fake.client)} timing={FAST} />);
  return fake;
}

afterEach(() => cleanup());

describe('App', () => {
  it('waiting screen explains a silent backend', async () => {
    renderApp({
      'GET /status': () => {
        throw { name: 'HttpError', statusCode: 502, message: 'backend not ready' };
      },
    });
    expect(screen.getByText('Starting the ARM Runner backend…')).toBeTruthy();
    const alert = await screen.findByText(/has not responded after/);
    expect(alert.textContent).toContain('Last error: backend not ready');
  });

  it('stops waiting when the token is rejected', async () => {
    renderApp({
      'GET /status': () => {
        throw { name: 'HttpError', statusCode: 401, message: JSON.stringify({ code: 'UNAUTHORIZED', message: 'Missing or wrong token.' }) };
      },
    });
    expect(await screen.findByText('Missing or wrong token.')).toBeTruthy();
    expect(screen.queryByText('Starting the ARM Runner backend…')).toBeNull();
  });

  it('leaves the waiting screen once the backend answers', async () => {
    let attempts = 0;
    renderApp({
      'GET /status': () => {
        attempts += 1;
        if (attempts < 3) {
          throw { name: 'HttpError', statusCode: 502, message: 'starting' };
        }
        return status();
      },
    });
    expect(await screen.findByRole('heading', { name: 'Emulation status' })).toBeTruthy();
    expect(attempts).toBe(3);
  });

  it('shows handlers with their flags in words', async () => {
    renderApp({ 'GET /status': () => status() });
    expect(await screen.findByText(/none, so the kernel looks for the interpreter inside each container/)).toBeTruthy();
    expect(screen.getByText(/Engine: linux\/amd64/)).toBeTruthy();
  });

  it('shows the cannot-run verdict with its fix', async () => {
    renderApp({ 'GET /status': () => status() });
    const verdict = await screen.findByLabelText('Verdict for linux/arm64');
    expect(within(verdict).getByText('Cannot run')).toBeTruthy();
    expect(within(verdict).getByRole('alert').textContent).toContain('Register a qemu-aarch64 handler');
  });

  it('registers a handler only after consent', async () => {
    let registered = false;
    const fake = renderApp({
      'GET /status': () => (registered ? status({ platforms: [] }) : status()),
      'POST /handlers': () => {
        registered = true;
        return [{ arch: 'aarch64', name: 'qemu-aarch64', outcome: 'registered' }];
      },
    });
    const verdict = await screen.findByLabelText('Verdict for linux/arm64');
    fireEvent.click(within(verdict).getByRole('button', { name: 'Register handler…' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toContain('lasts until the engine');
    expect(fake.calls.some((call) => call.method === 'POST')).toBe(false);

    fireEvent.click(within(dialog).getByRole('button', { name: 'Register' }));
    await waitFor(() => expect(fake.calls.find((call) => call.method === 'POST')?.data).toEqual({ arches: ['aarch64'], flags: 'F' }));
    await waitFor(() => expect(fake.client.desktopUI.toast.success).toHaveBeenCalledWith('qemu-aarch64: registered.'));
    await waitFor(() => expect(screen.queryByLabelText('Verdict for linux/arm64')).toBeNull());
  });

  it('shows the empty runs state', async () => {
    renderApp({ 'GET /status': () => status() });
    expect(await screen.findByText(/No runs yet/)).toBeTruthy();
  });

  it('checks the image reference as you type', async () => {
    renderApp({ 'GET /status': () => status() });
    const image = await screen.findByLabelText('Image');
    fireEvent.change(image, { target: { value: 'Bad Image' } });
    expect(await screen.findByText(/Not a valid image reference/)).toBeTruthy();
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Run' }).disabled).toBe(true);
  });

  it('sends the run request built from the form', async () => {
    const fake = renderApp({
      'GET /status': () => status(),
      'POST /runs': () => ({ taskId: 't1' }),
      'GET /tasks/t1': () => task({ step: 'Building augmented image arm-runner/x' }),
    });
    const image = await screen.findByLabelText('Image');
    await waitFor(() => expect(fake.calls.some((call) => call.url === '/images')).toBe(true));
    fireEvent.change(image, { target: { value: 'arm-runner-fixture/httpd:armv7' } });
    expect(await screen.findByLabelText('Host port for 80/tcp')).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Host port for 80/tcp'), { target: { value: '8080' } });
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));

    await waitFor(() => expect(fake.calls.find((call) => call.method === 'POST')?.data).toEqual({
      image: 'arm-runner-fixture/httpd:armv7',
      platform: 'linux/arm/v7',
      publish: [{ containerPort: 80, hostPort: 8080, protocol: 'tcp' }],
      exposeOnLan: false,
    }));
  });

  it('shows progress while building', async () => {
    renderApp({
      'GET /status': () => status(),
      'POST /sample': () => ({ taskId: 't1' }),
      'GET /tasks/t1': () => task({ step: 'Building augmented image arm-runner/x', log: ['Resolving arm-runner-sample:armv7', 'Building augmented image arm-runner/x'] }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Try the sample' }));
    expect(await screen.findByText('Building augmented image arm-runner/x', { selector: 'p' })).toBeTruthy();
    expect(screen.getAllByRole('progressbar', { name: 'Run progress' }).length).toBeGreaterThan(0);
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Run' }).disabled).toBe(true);
  });

  it('links the endpoint once it answers', async () => {
    const fake = renderApp({
      'GET /status': () => status(),
      'POST /sample': () => ({ taskId: 't1' }),
      'GET /tasks/t1': () => task({ step: 'Reading emulation evidence', endpoint: 'http://127.0.0.1:32768/' }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Try the sample' }));
    const link = await screen.findByRole('link', { name: 'http://127.0.0.1:32768/' });
    expect(screen.getByText(/The endpoint answers at/)).toBeTruthy();

    fireEvent.click(link);
    expect(fake.client.host.openExternal).toHaveBeenCalledWith('http://127.0.0.1:32768/');
  });

  it('shows what failed and what to do', async () => {
    const fake = renderApp({
      'GET /status': () => status(),
      'POST /sample': () => ({ taskId: 't1' }),
      'GET /tasks/t1': () =>
        task({ state: 'failed', error: { code: 'NO_HANDLER', message: 'linux/arm/v7 cannot run. Register a handler.', detail: 'exec format error' } }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Try the sample' }));
    expect(await screen.findByText('The run failed (NO_HANDLER)')).toBeTruthy();
    expect(screen.getByText('exec format error')).toBeTruthy();
    expect(fake.client.desktopUI.toast.error).toHaveBeenCalledWith('linux/arm/v7 cannot run. Register a handler.');
  });

  it('shows a running run with links and evidence', async () => {
    const fake = renderApp({
      'GET /status': () => status(),
      'GET /runs': () => [RUN],
      'GET /runs/335acf8c33c3': () => ({ ...RUN, emulation: EMULATION, warnings: [] }),
    });
    const link = await screen.findByRole('link', { name: 'http://127.0.0.1:32768/' });
    expect(await screen.findByText('armv7l · QEMU inside the image · handler qemu-arm without F · interpreter /usr/bin/qemu-arm-static')).toBeTruthy();

    fireEvent.click(link);
    expect(fake.client.host.openExternal).toHaveBeenCalledWith('http://127.0.0.1:32768/');

    fireEvent.click(screen.getByRole('button', { name: 'Open in Docker Desktop' }));
    expect(fake.client.desktopUI.navigate.viewContainerLogs).toHaveBeenCalledWith('335acf8c33c3aaaa');
  });

  it('shows the CLI equivalent of a run', async () => {
    renderApp({
      'GET /status': () => status(),
      'GET /runs': () => [RUN],
      'GET /runs/335acf8c33c3': () => ({ ...RUN, emulation: EMULATION, warnings: [] }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'CLI equivalent' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toContain('docker build --platform linux/arm/v7 -t my-arm-image-with-qemu .');
    expect(dialog.textContent).toContain('-p 127.0.0.1:32768:80/tcp');
  });

  it('removes a run and refreshes the list', async () => {
    let removed = false;
    const fake = renderApp({
      'GET /status': () => status(),
      'GET /runs': () => (removed ? [] : [RUN]),
      'GET /runs/335acf8c33c3': () => ({ ...RUN, emulation: EMULATION, warnings: [] }),
      'DELETE /runs/335acf8c33c3': () => {
        removed = true;
        return { id: RUN.id };
      },
    });
    const remove = await screen.findByRole('button', { name: 'Remove' });
    fireEvent.click(remove);
    expect(await screen.findByText(/No runs yet/)).toBeTruthy();
    expect(fake.client.desktopUI.toast.success).toHaveBeenCalledWith('Removed 335acf8c33c3.');
  });

  it('shows what the test program showed', async () => {
    const tested = status();
    tested.platforms[1] = {
      ...tested.platforms[1]!,
      test: {
        plain: { outcome: 'interpreter-missing', machine: null, exitCode: 255 },
        augmented: { outcome: 'ran', machine: 'armv7l', exitCode: 0 },
        testedAt: '2026-12-04T00:00:00.000Z',
      },
    };
    renderApp({ 'GET /status': () => tested });
    const line = await screen.findByLabelText('Test of linux/arm/v7');
    expect(line.textContent).toContain('interpreter not found in the container');
    expect(line.textContent).toContain('ran (uname -m: armv7l)');
  });

  it('tests again on request', async () => {
    const fake = renderApp({ 'GET /status': () => status(), 'GET /status?refresh=true': () => status() });
    fireEvent.click(await screen.findByRole('button', { name: 'Test again' }));
    await waitFor(() => expect(fake.calls.some((call) => call.url === '/status?refresh=true')).toBe(true));
  });

  it('flags a handler for a native format', async () => {
    renderApp({
      'GET /status': () =>
        status({
          warnings: [{ code: 'NATIVE_FORMAT_HANDLER', message: 'The handler qemu-i386 matches i386 ELF programs.', fix: 'Remove it.' }],
        }),
    });
    const alert = await screen.findByText(/qemu-i386 matches i386 ELF/);
    expect(alert.closest('[data-code]')?.getAttribute('data-code')).toBe('NATIVE_FORMAT_HANDLER');
    expect(alert.closest('[role="alert"]')?.textContent).toContain('Fix: Remove it.');
  });

  it('removes a handler only after consent', async () => {
    let removed = false;
    const fake = renderApp({
      'GET /status': () => status(),
      'DELETE /handlers/arm': () => {
        removed = true;
        return [{ arch: 'arm', name: 'qemu-arm', outcome: 'removed' }];
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Remove…' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toContain('no container on this engine can start new 32-bit ARM');
    expect(removed).toBe(false);

    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(removed).toBe(true));
    expect(fake.calls.some((call) => call.method === 'DELETE' && call.url === '/handlers/arm')).toBe(true);
    await waitFor(() => expect(fake.client.desktopUI.toast.success).toHaveBeenCalledWith('qemu-arm: removed.'));
  });

  it('shows run warnings with their fix', async () => {
    renderApp({
      'GET /status': () => status(),
      'GET /runs': () => [RUN],
      'GET /runs/335acf8c33c3': () => ({
        ...RUN,
        emulation: EMULATION,
        warnings: [{ code: 'UNSUPPORTED_SYSCALL', message: 'QEMU does not implement system call number 1024.', fix: 'Try a newer QEMU.' }],
      }),
    });
    const alert = await screen.findByText(/system call number 1024/);
    expect(alert.closest('[data-code]')?.getAttribute('data-code')).toBe('UNSUPPORTED_SYSCALL');
  });

  it('pulls exactly the chosen platform', async () => {
    const digestReference = '127.0.0.1:5000/team/app@sha256:' + 'a'.repeat(64);
    const fake = renderApp({
      'GET /status': () => status(),
      'POST /images/pull': () => ({ taskId: 'p1' }),
      'GET /tasks/p1': () =>
        task({
          id: 'p1',
          kind: 'pull',
          state: 'succeeded',
          result: {
            reference: '127.0.0.1:5000/team/app:1.0',
            platform: 'linux/arm/v6',
            imageId: 'sha256:b',
            digestReference,
            offeredPlatforms: ['linux/amd64', 'linux/arm/v6'],
            resolvedPlatform: 'linux/arm/v6',
            warnings: [],
          },
        }),
    });
    const image = await screen.findByLabelText('Image');
    fireEvent.change(image, { target: { value: '127.0.0.1:5000/team/app:1.0' } });
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Pull' }).disabled).toBe(true);

    fireEvent.mouseDown(screen.getByRole('combobox', { name: 'Platform' }));
    fireEvent.click(await screen.findByRole('option', { name: 'linux/arm/v6' }));
    fireEvent.click(screen.getByRole('button', { name: 'Pull linux/arm/v6' }));

    await waitFor(() =>
      expect(fake.calls.find((call) => call.url === '/images/pull')?.data).toEqual({ image: '127.0.0.1:5000/team/app:1.0', platform: 'linux/arm/v6' }),
    );
    await waitFor(() =>
      expect(fake.client.desktopUI.toast.success).toHaveBeenCalledWith(`Pulled linux/arm/v6 of 127.0.0.1:5000/team/app:1.0 as ${digestReference}.`),
    );
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Image').value).toBe(digestReference));
  });

  it('fills in ports when the image list arrives after typing', async () => {
    let releaseImages: (images: LocalImage[]) => void = () => undefined;
    renderApp({ 'GET /status': () => status(), 'GET /images': () => new Promise((resolve) => (releaseImages = resolve)) });
    fireEvent.change(await screen.findByLabelText('Image'), { target: { value: 'arm-runner-fixture/httpd:armv7' } });
    expect(screen.queryByLabelText('Host port for 80/tcp')).toBeNull();

    releaseImages(IMAGES);
    expect(await screen.findByLabelText('Host port for 80/tcp')).toBeTruthy();
  });

  it('offers the C flag as the fix for setuid programs', async () => {
    const fake = renderApp({
      'GET /status': () => status(),
      'GET /runs': () => [RUN],
      'GET /runs/335acf8c33c3': () => ({
        ...RUN,
        emulation: EMULATION,
        warnings: [{ code: 'SETUID_WITHOUT_C_FLAG', message: 'The image contains 1 setuid file (/bin/su).', fix: 'Register with C and F.' }],
      }),
      'POST /handlers': () => [{ arch: 'arm', name: 'qemu-arm', outcome: 'replaced' }],
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Register with C…' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByRole<HTMLInputElement>('checkbox', { name: /C flag: setuid programs/ }).checked).toBe(true);

    fireEvent.click(within(dialog).getByRole('button', { name: 'Register' }));
    await waitFor(() => expect(fake.calls.find((call) => call.method === 'POST' && call.url === '/handlers')?.data).toEqual({ arches: ['arm'], flags: 'CF' }));
  });

  it('says the engine is down and recovers by itself', async () => {
    let engineUp = false;
    renderApp({
      'GET /status': () => {
        if (!engineUp) {
          throw {
            name: 'HttpError',
            statusCode: 503,
            message: JSON.stringify({ code: 'ENGINE_UNREACHABLE', message: 'Could not reach the Docker engine to read its version and architecture. Start the engine.' }),
          };
        }
        return status();
      },
    });
    const alert = await screen.findByText(/has not responded after/);
    expect(alert.textContent).toContain('Could not reach the Docker engine');

    engineUp = true;
    expect(await screen.findByRole('heading', { name: 'Emulation status' }, { timeout: 3000 })).toBeTruthy();
  });
});
