/** Runs the built `loom` binary as a child process, as a user would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const LOOM_BIN = fileURLToPath(new URL('../bin/loom.js', import.meta.url));
export const COUNTING_PLUGINS = fileURLToPath(new URL('./fixtures/counting-plugins.mjs', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function spawnLoom(args: string[], env: Record<string, string> = {}, cwd?: string): ChildProcess & { result: Promise<CliResult> } {
  const child = spawn(process.execPath, [LOOM_BIN, ...args], {
    cwd,
    env: { ...process.env, FORCE_COLOR: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // A hang is a failure: no CLI call in the tests may take more than a minute.
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const result = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return Object.assign(child, { result });
}

export function loom(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliResult> {
  return spawnLoom(args, env, cwd).result;
}

/** Polls until `condition` holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The run id from `loom run`'s first line. */
export function startedRunId(stdout: string): string | undefined {
  return /^run (\S+) started/m.exec(stdout)?.[1];
}

/** Starts `loom run ...` in the background and waits until it has printed its run id. */
export async function backgroundRun(args: string[], env: Record<string, string>) {
  const child = spawnLoom(['run', ...args], env);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => startedRunId(out) !== undefined, 'the run to start');
  return { child, runId: startedRunId(out)!, output: () => out };
}
