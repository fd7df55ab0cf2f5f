/**
 * `loom plugin new <name> [--dir <dir>] [--loom <spec>]` scaffolds a plugin package (see plugin-template.ts).
 * The package depends on Loom for development by `file:` path when this Loom is a checkout (not installed under
 * a node_modules folder), so that it builds against exactly this code; otherwise by a semver range of this
 * version. `--loom` overrides either.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import semver from 'semver';
import { builtinPlugins } from '../../plugins/builtin.js';
import { EXIT, UsageError, type Act } from './common.js';
import { pluginPackageFiles } from './plugin-template.js';

interface LoomPackage {
  readonly root: string;
  readonly version: string;
  readonly devDependencies: Record<string, string>;
}

/** Loom's own package.json: the one named "loom" nearest above this file (in the source tree or in dist). */
function loomPackage(): LoomPackage {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string; devDependencies?: Record<string, string> };
    if (pkg.name === 'loom' && pkg.version) return { root: dir, version: pkg.version, devDependencies: pkg.devDependencies ?? {} };
  }
  throw new Error("cannot find Loom's own package.json");
}

/** The Loom versions a new package supports: this one up to the next major (0.x counts as one series until 1.0). */
export function engineRange(version: string): string {
  const v = semver.parse(version);
  if (!v) throw new Error(`Loom's version "${version}" is not a semantic version`);
  return `>=${v.major}.${v.minor}.0 <${v.major + 1}.0.0`;
}

/**
 * Why `name` cannot name a plugin package, or undefined. npm's rules (lower case, URL-safe, at most 214
 * characters, no leading "." or "_", not a Node built-in) narrowed to what Loom accepts as a plugin name.
 */
export function packageNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > 214) return 'npm names are at most 214 characters';
  if (name !== name.toLowerCase()) return 'npm names are lower case';
  if (/^[._]/.test(name)) return 'npm names may not start with "." or "_"';
  if (builtinModules.includes(name) || ['node_modules', 'favicon.ico'].includes(name)) return `"${name}" is reserved (a Node built-in or an npm name that is not allowed)`;
  if (!/^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/.test(name)) {
    return 'use lower-case letters, digits, ".", "_" and "-", starting with a letter or digit, optionally under a scope (@scope/name)';
  }
  return undefined;
}

export interface ScaffoldOptions {
  readonly name: string;
  /** Where to write the package; `./<name without scope>` by default. */
  readonly dir?: string;
  /** The devDependency spec for Loom; see the file header for the default. */
  readonly loom?: string;
  readonly cwd?: string;
}

/** Writes a new plugin package; returns its folder and the files written (relative to it). */
export async function scaffoldPlugin(options: ScaffoldOptions): Promise<{ dir: string; files: string[] }> {
  const { name } = options;
  const problem = packageNameProblem(name);
  if (problem) throw new UsageError(`plugin new: "${name}" is not a valid package name: ${problem}`);
  if (builtinPlugins.some((p) => p.name === name)) throw new UsageError(`plugin new: "${name}" is the name of a built-in plugin; choose another`);
  const stem = name.split('/').pop()!;
  const dir = resolve(options.cwd ?? process.cwd(), options.dir ?? stem);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new UsageError(`plugin new: ${dir} exists and is not empty; choose another --dir`);

  const loom = loomPackage();
  const installed = loom.root.split(sep).includes('node_modules');
  const tool = (pkg: string, fallback: string) => (loom.devDependencies[pkg] ?? fallback).replace(/^[\^~]/, '');
  const files = pluginPackageFiles({
    name,
    stem,
    engine: engineRange(loom.version),
    loomSpec: options.loom ?? (installed ? `^${loom.version}` : `file:${loom.root}`),
    typescript: tool('typescript', '5.9.3'),
    vitest: tool('vitest', '4.1.12'),
    typesNode: tool('@types/node', '20.19.43'),
  });
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text, { flag: 'wx' });
  }
  return { dir, files: Object.keys(files) };
}

export function registerPluginCommands(cli: Command, act: Act): void {
  const plugin = cli.command('plugin').description('write plugins of your own');
  plugin
    .command('new <name>')
    .description('scaffold a plugin package: TypeScript, a working plugin with a config schema and typed ports, its test, a README')
    .option('--dir <dir>', 'where to write it (default: ./<name>)')
    .option('--loom <spec>', 'how the package depends on Loom (default: file:<this checkout>, or ^<version> when Loom is installed from a registry)')
    .action(
      act(async (name: string, opts: { dir?: string; loom?: string }) => {
        const { dir, files } = await scaffoldPlugin({ name, dir: opts.dir, loom: opts.loom });
        const shown = relative(process.cwd(), dir) || '.';
        process.stdout.write(`wrote ${name} in ${shown}:\n${files.map((f) => `  ${f}\n`).join('')}next:\n  cd ${shown}\n  npm install\n  npm test\n`);
        return EXIT.ok;
      }),
    );
}
