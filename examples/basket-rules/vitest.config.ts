import { defineConfig } from 'vitest/config';

// Its own config, so that vitest does not take up the config of a folder above (e.g. Loom's, in Loom's repo).
export default defineConfig({ test: { include: ['src/**/*.test.ts'], testTimeout: 30_000 } });
