/** Runs npm and the tools a plugin package uses, as its author would, for the scaffold and example-package suites. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const LOOM_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

export interface Ran {
  code: number | null;
  output: string;
}

/**
 * The environment of a command run as a user would run it: without the variables of the vitest run this suite is
 * in (a nested vitest would take them for its own) and without Loom's own settings.
 */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(VITEST|TINYPOOL|NODE_OPTIONS$|FORCE_COLOR$|LOOM_)/.test(key)) env[key] = value;
  }
  return { ...env, NO_COLOR: '1', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false', ...extra };
}

export function sh(command: string, args: string[], cwd: string, env: Record<string, string> = {}, timeoutMs = 240_000): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: userEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(guard);
      // Colours off whatever the tools think of the terminal.
      resolve({ code, output: output.replace(/\x1b\[[0-9;]*m/g, '') });
    });
  });
}

/**
 * `npm install` from the cache where it can. NOTE: scripts are skipped: a `file:` dependency on this checkout
 * would otherwise run Loom's own `prepare` (a full build of Loom) on every install; the suites use the build
 * that `npm test` made.
 */
export function npmInstall(cwd: string, args: string[] = []): Promise<Ran> {
  return sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', ...args], cwd);
}

/** Fails with a clear message when Loom's dist is missing what a package build needs. */
export function requireBuiltLoom(...files: string[]): void {
  const missing = files.filter((f) => !existsSync(`${LOOM_ROOT}/dist/${f}`));
  if (missing.length > 0) throw new Error(`Loom is not built (no dist/${missing.join(', dist/')}): run npm run build first`);
}
