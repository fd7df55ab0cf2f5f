/**
 * Plugin discovery: packages with a `loom` field in the project's node_modules (top level and @scope/*) and in
 * LOOM_PLUGIN_PATH (a package, or a folder of packages), single modules from LOOM_PLUGINS, and every start-up
 * error: a name offered by two packages, an engine range that excludes this Loom, an entry that is missing or
 * exports no plugin. The fixture packages are in test/fixtures/packages; each test installs them into a
 * temporary project by copying, as `npm install` of a local path would.
 */
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { discoverPlugins, loomVersion } from '../engine/plugin/discover.js';
import { PluginRegistry } from '../engine/plugin/registry.js';
import { sourceOf } from '../engine/plugin/source.js';
import { builtinPlugins } from '../plugins/builtin.js';
import { COUNTING_PLUGINS, loom } from './cli-helpers.js';
import { tempDir } from './fixtures/loom.js';

const PACKAGES = fileURLToPath(new URL('./fixtures/packages/', import.meta.url));
const constant = builtinPlugins.find((p) => p.name === 'constant')!;

let project: string;
beforeEach(async () => {
  project = await tempDir('loom-discovery-');
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'shop', private: true }));
});
afterEach(async () => {
  await rm(project, { recursive: true, force: true });
});

/** Copies a fixture package to `<project>/<where>`, e.g. `node_modules/@shop/loom-margins`. */
async function install(fixture: string, where: string): Promise<string> {
  const path = join(project, where);
  await mkdir(join(path, '..'), { recursive: true });
  await cp(join(PACKAGES, fixture), path, { recursive: true });
  return path;
}

const discover = (env: NodeJS.ProcessEnv = {}, cwd = project) => discoverPlugins({ builtins: [constant], cwd, env });

describe('discovery', () => {
  test("from the project's node_modules, top level and scoped, found from a folder inside the project", async () => {
    const basket = await install('basket-tools', 'node_modules/loom-basket-tools');
    const margins = await install('shop-margins', 'node_modules/@shop/loom-margins');
    await mkdir(join(project, 'node_modules', 'left-pad'));
    await writeFile(join(project, 'node_modules', 'left-pad', 'package.json'), JSON.stringify({ name: 'left-pad', version: '1.0.0' }));
    await mkdir(join(project, 'workflows'));

    // Built-ins first, then packages in folder-name order (`@shop` sorts before `loom-`).
    const plugins = await discover({}, join(project, 'workflows'));
    expect(plugins.map((p) => p.name)).toEqual(['constant', '@shop/margin', 'basket-count']);
    expect(plugins.map(sourceOf)).toEqual([
      { kind: 'builtin' },
      { kind: 'package', name: '@shop/loom-margins', version: '0.3.0', path: margins, entry: join(margins, 'margin.mjs') },
      { kind: 'package', name: 'loom-basket-tools', version: '1.0.0', path: basket, entry: join(basket, 'basket.mjs') },
    ]);
    const registry = new PluginRegistry(plugins);
    expect(registry.source(registry.get('@shop/margin'))).toMatchObject({ kind: 'package', name: '@shop/loom-margins' });
    expect(registry.get('@shop/margin').capabilities).toEqual({ network: true, secrets: ['SHOP_API_KEY'] });
  });

  test('from LOOM_PLUGIN_PATH: a package folder and a folder of packages; LOOM_PLUGINS modules last', async () => {
    const folder = join(project, 'plugins');
    await install('shop-margins', 'plugins/@shop/loom-margins');
    const plugins = await discover({ LOOM_PLUGIN_PATH: `${join(PACKAGES, 'basket-tools')}:${folder}`, LOOM_PLUGINS: COUNTING_PLUGINS });
    expect(plugins.map((p) => p.name)).toEqual(['constant', 'basket-count', '@shop/margin', 'count']);
    expect(sourceOf(plugins[1]!)).toMatchObject({ kind: 'package', path: join(PACKAGES, 'basket-tools') });
    expect(sourceOf(plugins[3]!)).toEqual({ kind: 'module', path: COUNTING_PLUGINS });
  });

  test('a package reached twice (installed, and on the plugin path) counts once', async () => {
    const basket = await install('basket-tools', 'node_modules/loom-basket-tools');
    const plugins = await discover({ LOOM_PLUGIN_PATH: basket });
    expect(plugins.map((p) => p.name)).toEqual(['constant', 'basket-count']);
  });

  test('no project (no package.json above the folder) and no plugin path: the built-ins only', async () => {
    await rm(join(project, 'package.json'));
    expect((await discover()).map((p) => p.name)).toEqual(['constant']);
  });
});

describe('start-up errors', () => {
  test('a plugin name offered by two packages names both packages and their paths', async () => {
    const basket = await install('basket-tools', 'node_modules/loom-basket-tools');
    const acme = await install('acme-baskets', 'elsewhere/acme-baskets');
    await expect(discover({ LOOM_PLUGIN_PATH: acme })).rejects.toThrow(
      'cannot load plugins (1 problem):\n' +
        `plugin "basket-count" is provided by two packages: package "loom-basket-tools@1.0.0" (${basket}) and package "@acme/loom-baskets@2.0.0" (${acme}); uninstall one`,
    );
  });

  test('a package that reuses a built-in name clashes with the built-ins', async () => {
    const path = join(project, 'node_modules', 'loom-constant');
    await mkdir(path, { recursive: true });
    await writeFile(join(path, 'package.json'), JSON.stringify({ name: 'loom-constant', version: '1.0.0', loom: { plugins: ['./index.mjs'], engine: '*' } }));
    await writeFile(join(path, 'index.mjs'), "export default { name: 'constant', version: '9.0.0', title: 'C', description: 'C', category: 'c', outputs: {}, async run() { return {}; } };");
    await expect(discover()).rejects.toThrow(`plugin "constant" is provided by two packages: Loom's built-in plugins and package "loom-constant@1.0.0" (${path}); uninstall one`);
  });

  test('a package whose engine range excludes this Loom names the package, its range and this version (and is not imported)', async () => {
    const future = await install('future-only', 'node_modules/loom-future-only');
    await expect(discover()).rejects.toThrow(`package "loom-future-only@5.0.0" (${future}) supports Loom ">=2.0.0", but this is Loom ${loomVersion()}`);
    expect(loomVersion()).toBe('0.1.0');
  });

  test('entries that do not exist or export no plugin are named, with every problem in one error', async () => {
    const broken = await install('broken-entry', 'node_modules/loom-broken-entry');
    await install('future-only', 'node_modules/loom-future-only');
    const error = await discover().catch((e: Error) => e);
    expect((error as Error).message.split('\n')).toEqual([
      'cannot load plugins (3 problems):',
      `package "loom-broken-entry@0.0.1" (${broken}): loom.plugins entry "./dist/missing.mjs" does not exist (looked for ${join(broken, 'dist/missing.mjs')})`,
      `package "loom-broken-entry@0.0.1" (${broken}): loom.plugins entry "./nothing.mjs" exports no plugin`,
      `package "loom-future-only@5.0.0" (${join(project, 'node_modules/loom-future-only')}) supports Loom ">=2.0.0", but this is Loom 0.1.0`,
    ]);
  });

  test('a malformed loom field, and a plugin path that is not a package or folder', async () => {
    const path = join(project, 'node_modules', 'loom-odd');
    await mkdir(path, { recursive: true });
    await writeFile(join(path, 'package.json'), JSON.stringify({ name: 'loom-odd', version: '1.0.0', loom: { plugins: './index.mjs' } }));
    const plain = join(project, 'plain');
    await mkdir(plain);
    await writeFile(join(plain, 'package.json'), JSON.stringify({ name: 'plain', version: '1.0.0' }));
    const error = await discover({ LOOM_PLUGIN_PATH: `${plain}:${join(project, 'missing')}` }).catch((e: Error) => e);
    expect((error as Error).message.split('\n').slice(1)).toEqual([
      `LOOM_PLUGIN_PATH entry ${plain} is a package without a "loom" field in its package.json`,
      `LOOM_PLUGIN_PATH entry ${join(project, 'missing')} is not a folder`,
      `package "loom-odd@1.0.0" (${path}): loom.plugins must be a non-empty list of entry points, e.g. ["./dist/index.js"]`,
    ]);
  });

  test('a plugin with malformed capabilities is refused when registered', () => {
    const bad = { ...constant, name: 'bad-caps', capabilities: { network: 'yes', secrets: ['not a name'], disk: true } };
    expect(() => new PluginRegistry([bad as never])).toThrow(
      'invalid plugin definition:\n' +
        'plugin "bad-caps": capabilities has an unknown field "disk"; use network, files or secrets\n' +
        'plugin "bad-caps": capabilities.network must be true or false\n' +
        'plugin "bad-caps": capabilities.secrets must be a list of environment variable names, e.g. ["SHOP_API_KEY"]',
    );
  });
});

describe('the CLI (built loom binary) discovers from the directory it runs in', () => {
  test('an installed package is listed and runs (in a child process); a clash stops start-up with exit 1', async () => {
    await install('basket-tools', 'node_modules/loom-basket-tools');
    const listed = await loom(['plugins', '--json'], {}, project);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((p) => p.name)).toContain('basket-count');

    const doc = { version: 1, name: 'basket', nodes: [{ id: 'c', plugin: 'basket-count@^1', config: { items: ['tea', 'cups', 'saucer'] } }] };
    await writeFile(join(project, 'basket.json'), JSON.stringify(doc));
    const ran = await loom(['run', 'basket.json', '--json'], { LOOM_HOME: join(project, 'home') }, project);
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout).nodes.c.status).toBe('succeeded');

    const acme = await install('acme-baskets', 'vendor/acme-baskets');
    const clash = await loom(['plugins'], { LOOM_PLUGIN_PATH: acme }, project);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain('plugin "basket-count" is provided by two packages: package "loom-basket-tools@1.0.0"');
  });
});
