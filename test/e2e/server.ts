/**
 * The real `loom serve` for the browser suites: the built binary on a free port, over a temp data home and a
 * temp workflows directory holding a copy of the shipped sample data (so `data/online-retail-sample/*.csv`
 * resolves as it does beside workflows/recommender.json).
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { LOOM_BIN, waitFor } from '../cli-helpers.js';

const SAMPLE = fileURLToPath(new URL('../../workflows/data/online-retail-sample', import.meta.url));
const BUILT_UI = fileURLToPath(new URL('../../dist/ui/index.html', import.meta.url));

export const TOKENS = { admin: 'e2e-admin-token-0123456789', editor: 'e2e-editor-token-0123456789' } as const;

export interface LoomServer {
  readonly url: string;
  readonly dir: string;
  readonly home: string;
  readonly workflows: string;
  output(): string;
  stop(): Promise<void>;
}

/** A fresh temp directory with `workflows/data/online-retail-sample` copied in and an empty `home`. */
export async function prepareDirs(): Promise<{ dir: string; home: string; workflows: string }> {
  if (!existsSync(BUILT_UI)) throw new Error('the editor is not built: run `npx tsc -p . && npx vite build ui` first');
  const dir = await mkdtemp(join(tmpdir(), 'loom-e2e-'));
  const workflows = join(dir, 'workflows');
  const home = join(dir, 'home');
  await mkdir(home, { recursive: true });
  await cp(SAMPLE, join(workflows, 'data', 'online-retail-sample'), { recursive: true });
  return { dir, home, workflows };
}

/** Starts the server with `LOOM_TOKENS` (an admin and an editor token) over prepared directories; `extraEnv` wins. */
export async function startServer(dirs: { dir: string; home: string; workflows: string }, extraEnv: Record<string, string> = {}): Promise<LoomServer> {
  const env = {
    LOOM_HOME: dirs.home,
    LOOM_TOKENS: `ops:admin:${TOKENS.admin},ed:editor:${TOKENS.editor}`,
    LOOM_TOKENS_FILE: '',
    LOOM_DATA_ROOTS: '',
    ...extraEnv,
  };
  // Not cli-helpers' spawnLoom: that one kills its child after a minute, and a browser suite outlives that.
  const child = spawn(process.execPath, [LOOM_BIN, 'serve', '--port', '0', '--host', '127.0.0.1', '--workflows', dirs.workflows], {
    env: { ...process.env, FORCE_COLOR: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await waitFor(() => /http:\/\/\S+:\d+/.test(out) || child.exitCode !== null, 'loom serve to print its URL', 20_000);
  const url = /(http:\/\/\S+:\d+)/.exec(out)?.[1];
  if (!url) throw new Error(`loom serve did not start: ${out}\n${err}`);
  return {
    url,
    ...dirs,
    output: () => `${out}\n${err}`,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dirs.dir, { recursive: true, force: true });
    },
  };
}
