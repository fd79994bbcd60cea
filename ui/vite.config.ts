import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Docker Desktop loads the tab from the extension image's file system, so
// asset paths must be relative.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
});
