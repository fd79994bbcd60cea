import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['backend/src/**/*.test.ts', 'contract/src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'engine',
          include: ['backend/test/**/*.test.ts', 'e2e/**/*.test.ts'],
          environment: 'node',
          // Keeps the backend's info lines out of the test report; warnings still show.
          env: { ARM_RUNNER_LOG_LEVEL: 'warn' },
          // binfmt_misc registrations are global to the machine, so tests that
          // change them must not overlap.
          fileParallelism: false,
          sequence: { concurrent: false },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        plugins: [react()],
        // @docker/extension-api-client has only a "browser" entry.
        resolve: { mainFields: ['browser', 'module', 'main'] },
        test: {
          name: 'ui',
          include: ['ui/src/**/*.test.tsx'],
          environment: 'jsdom',
        },
      },
    ],
  },
});
