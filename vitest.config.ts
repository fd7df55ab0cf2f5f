import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['engine/**/*.test.ts', 'plugins/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['dist/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/temporal/global-setup.ts'],
    // The JSON report is what .ci/run counts for its closing `tests: N passed, M failed` line.
    reporters: ['default', ['json', { outputFile: '.test-results/vitest.json' }]],
  },
});
