/** One Temporal dev server for every Temporal suite in a test run (suites that restart a server start their own). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDevServer } from './dev-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), 'loom-temporal-'));
  const server = await startDevServer(dir);
  project.provide('temporalAddress', server.address);
  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
