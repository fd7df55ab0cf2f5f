/**
 * `loom plugin new`: the names it refuses, and the package it writes, which installs, builds and passes its own
 * test in a temporary folder exactly as its author would run it (npm from the cache, Loom as a file: dependency).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { engineRange, packageNameProblem, scaffoldPlugin } from '../engine/cli/plugin-commands.js';
import { loom } from './cli-helpers.js';
import { tempDir } from './fixtures/loom.js';
import { LOOM_ROOT, npmInstall, requireBuiltLoom, sh } from './npm-helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('loom-scaffold-');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('plugin names', () => {
  test.each([
    ['top-rows', undefined],
    ['@acme/basket.rules_2', undefined],
    ['Top', 'npm names are lower case'],
    ['_private', 'npm names may not start with "." or "_"'],
    ['fs', '"fs" is reserved (a Node built-in or an npm name that is not allowed)'],
    ['a b', 'use lower-case letters, digits, ".", "_" and "-", starting with a letter or digit, optionally under a scope (@scope/name)'],
    ['-x', 'use lower-case letters, digits, ".", "_" and "-", starting with a letter or digit, optionally under a scope (@scope/name)'],
    ['x'.repeat(215), 'npm names are at most 214 characters'],
  ])('%s: %s', (name, problem) => {
    expect(packageNameProblem(name)).toBe(problem);
  });

  test('the engine range runs from this minor version to the next major', () => {
    expect(engineRange('0.1.0')).toBe('>=0.1.0 <1.0.0');
    expect(engineRange('2.3.4')).toBe('>=2.3.0 <3.0.0');
  });
});

describe('loom plugin new', () => {
  test('refuses a built-in name, a bad name and a folder that is not empty', async () => {
    const full = join(dir, 'full');
    await mkdir(full);
    await writeFile(join(full, 'notes.txt'), 'mine');
    await expect(scaffoldPlugin({ name: 'clean', cwd: dir })).rejects.toThrow('plugin new: "clean" is the name of a built-in plugin; choose another');
    await expect(scaffoldPlugin({ name: 'full', cwd: dir })).rejects.toThrow(`plugin new: ${full} exists and is not empty; choose another --dir`);
    expect(await loom(['plugin', 'new', 'Top'], {}, dir)).toMatchObject({ code: 2, stderr: 'loom: plugin new: "Top" is not a valid package name: npm names are lower case\n' });
    expect(readFileSync(join(full, 'notes.txt'), 'utf8')).toBe('mine');
  });

  test('writes a package that installs, builds and passes its own test', { timeout: 300_000 }, async () => {
    requireBuiltLoom('engine/testing.js', 'engine/sdk.js', 'engine/data/duckdb.js', 'engine/cli/plugin-commands.js');
    const made = await loom(['plugin', 'new', '@acme/top-rows', '--dir', 'top-rows'], {}, dir);
    expect(made.code, made.stderr).toBe(0);
    const pkgDir = join(dir, 'top-rows');
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({
      name: '@acme/top-rows',
      type: 'module',
      loom: { plugins: ['./dist/top-rows.plugin.js'], engine: '>=0.1.0 <1.0.0' },
      scripts: { build: 'tsc -p tsconfig.build.json', test: 'vitest run' },
      devDependencies: { loom: `file:${LOOM_ROOT}` },
    });
    expect(made.stdout.split('\n').slice(1, 9).map((l) => l.trim()).sort()).toEqual(
      ['.gitignore', 'README.md', 'package.json', 'src/top-rows.plugin.test.ts', 'src/top-rows.plugin.ts', 'tsconfig.build.json', 'tsconfig.json', 'vitest.config.ts'],
    );

    const install = await npmInstall(pkgDir);
    expect(install.code, install.output).toBe(0);
    const build = await sh('npm', ['run', 'build'], pkgDir);
    expect(build.code, build.output).toBe(0);
    expect(existsSync(join(pkgDir, 'dist/top-rows.plugin.js'))).toBe(true);
    expect(existsSync(join(pkgDir, 'dist/top-rows.plugin.test.js')), 'tests are not part of the build').toBe(false);
    const tested = await sh('npm', ['test'], pkgDir);
    expect(tested.code, tested.output).toBe(0);
    expect(tested.output).toMatch(/Tests\s+8 passed \(8\)/);
  });
});
