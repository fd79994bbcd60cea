import CssBaseline from '@mui/material/CssBaseline';
import { DockerMuiV6ThemeProvider } from '@docker/docker-mui-theme';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createDesktopApi } from './api/client.ts';
import { App } from './App.tsx';

const rootElement = document.getElementById('root');
if (rootElement === null) {
  throw new Error('index.html has no #root element.');
}

createRoot(rootElement).render(
  <StrictMode>
    <DockerMuiV6ThemeProvider>
      <CssBaseline />
      <App api={createDesktopApi()} />
    </DockerMuiV6ThemeProvider>
  </StrictMode>,
);
