/// <reference lib="dom" />
// Runs in the browser, before the UI bundle, in standalone mode. It is
// serialized with Function.prototype.toString, so it must not use imports or
// anything outside its own body.

/**
 * Installs a ddClient-compatible object and Docker's theme globals, so that
 * the same UI bundle runs outside Docker Desktop. API calls go to the same
 * origin under /api with the start token, which comes from the URL fragment
 * and so is never sent in a Referer header.
 */
export function installDesktopShim(): void {
  const storageKey = 'arm-runner-token';
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const fromFragment = fragment.get('token');
  if (fromFragment !== null) {
    window.sessionStorage.setItem(storageKey, fromFragment);
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  const token = window.sessionStorage.getItem(storageKey) ?? '';

  async function call(method: string, url: string, data?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { 'x-arm-runner-token': token };
    if (data !== undefined) {
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`./api${url}`, { method, headers, body: data === undefined ? undefined : JSON.stringify(data) });
    const text = await response.text();
    if (!response.ok) {
      // Docker Desktop rejects with this plain object, not an Error, and the UI reads it the same way.
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw { name: 'HttpError', statusCode: response.status, message: text };
    }
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }

  function toast(kind: 'success' | 'warning' | 'error', message: string): void {
    const element = document.createElement('div');
    element.setAttribute('role', 'status');
    element.textContent = message;
    const colors = { success: '#1e7e34', warning: '#8a5a00', error: '#b00020' };
    element.style.cssText =
      `position:fixed;bottom:16px;left:50%;transform:translateX(-50%);z-index:9999;padding:10px 16px;` +
      `border-radius:4px;color:#fff;font:14px sans-serif;background:${colors[kind]}`;
    document.body.appendChild(element);
    setTimeout(() => element.remove(), 5000);
  }

  const grey = { 100: '#f4f4f6', 200: '#e1e2e6', 300: '#c4c8d1', 400: '#8993a5', 500: '#677285', 600: '#505968', 700: '#394150', 800: '#2c313b' };
  const blue = { 100: '#e5f2fc', 200: '#c0e0fa', 300: '#8bc7f5', 400: '#52a9ed', 500: '#2d8fe2', 600: '#1c72c6', 700: '#1d63ed', 800: '#0b4aa3' };
  const docker = { grey, blue, amber: grey, green: grey, red: grey, violet: grey };
  const typography = { fontFamily: 'Roboto, "Helvetica Neue", Arial, sans-serif', h2: { fontSize: '1.5rem', fontWeight: 500 }, h3: { fontSize: '1.2rem', fontWeight: 500 } };
  const themes = {
    light: { palette: { mode: 'light', primary: { main: '#1d63ed' }, docker }, typography },
    dark: { palette: { mode: 'dark', primary: { main: '#52a9ed' }, background: { default: '#202124', paper: '#2c313b' }, docker }, typography },
  };
  const globals = window as unknown as Record<string, unknown>;
  globals.__ddMuiV5Themes = themes;
  globals.__ddMuiV6Themes = themes;

  globals.ddClient = {
    // Tells the UI that Docker Desktop's own screens are not there.
    armRunnerStandalone: true,
    extension: {
      vm: {
        service: {
          get: (url: string) => call('GET', url),
          post: (url: string, data: unknown) => call('POST', url, data),
          put: (url: string, data: unknown) => call('PUT', url, data),
          delete: (url: string) => call('DELETE', url),
        },
      },
    },
    host: {
      openExternal: (url: string) => {
        window.open(url, '_blank', 'noopener,noreferrer');
      },
    },
    desktopUI: {
      toast: {
        success: (message: string) => toast('success', message),
        warning: (message: string) => toast('warning', message),
        error: (message: string) => toast('error', message),
      },
      navigate: {
        viewContainerLogs: (containerId: string) => {
          toast('warning', `Docker Desktop is not available in standalone mode. Run: npx arm-runner logs ${containerId.slice(0, 12)}`);
          return Promise.resolve();
        },
      },
    },
  };
}
