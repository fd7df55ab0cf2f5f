import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

const shared = {
  testTimeout: 30_000,
  hookTimeout: 120_000,
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    // The JSON report is what .ci/run counts for its closing `tests: N passed, M failed` line.
    reporters: ['default', ['json', { outputFile: '.test-results/vitest.json' }]],
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['engine/**/*.test.ts', 'plugins/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['dist/**', 'node_modules/**', 'test/temporal/**', 'test/e2e/**'],
        },
      },
      {
        // The editor's components and logic, in a simulated DOM (browser end-to-end suites live in test/e2e).
        plugins: [react()],
        test: { ...shared, name: 'ui', include: ['ui/src/**/*.test.{ts,tsx}'], environment: 'happy-dom' },
      },
      {
        // The editor in a real headless Chromium (Debian's, see scripts/ensure-chromium.ts) against the built
        // `loom serve`: needs `npx tsc -p . && npx vite build ui` first. One file at a time: each runs a server and a browser.
        test: { ...shared, name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 90_000, hookTimeout: 60_000, fileParallelism: false },
      },
      {
        // Suites against a real Temporal dev server, started once for them (only when one of them runs).
        test: { ...shared, name: 'temporal', include: ['test/temporal/**/*.test.ts'], globalSetup: ['test/temporal/global-setup.ts'] },
      },
    ],
  },
});
