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
