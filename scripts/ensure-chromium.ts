// Finds a Chromium for the editor's browser tests and benchmark, or installs Debian's `chromium` package when
// running as root on a Debian-like system (CI). Prints the binary's path. Used by `npm test` and by the tests.
import { execFileSync, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function onPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of NAMES) {
      const candidate = join(dir, name);
      if (dir && existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

/** The Chromium to drive: LOOM_CHROMIUM, else one on the PATH, else Debian's package (installed when we may). */
export function ensureChromium({ quiet = false } = {}): string {
  const explicit = process.env.LOOM_CHROMIUM;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`LOOM_CHROMIUM=${explicit} does not exist`);
    return explicit;
  }
  const found = onPath();
  if (found) return found;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    throw new Error('no Chromium found for the editor tests: install it (Debian: `apt-get install chromium`) or set LOOM_CHROMIUM to its binary');
  }
  const stdio: StdioOptions = quiet ? 'ignore' : ['ignore', 'inherit', 'inherit'];
  if (!quiet) process.stderr.write("installing Debian's chromium package for the editor's browser tests\n");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio, env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { stdio, env });
  const installed = onPath();
  if (!installed) throw new Error('apt-get installed chromium, but no chromium binary is on the PATH');
  return installed;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${ensureChromium()}\n`);
}
