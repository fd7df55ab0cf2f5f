/**
 * The files `loom plugin new` writes: a TypeScript plugin package with one working plugin (keep the top N rows of
 * a dataset by a column), its test (runPlugin and the contract suite), build and test scripts and a README.
 */

export interface TemplateInput {
  /** The npm package name, which is also the plugin's name. */
  readonly name: string;
  /** The file stem: the name without its scope. */
  readonly stem: string;
  /** Loom's engine range for the `loom` field, e.g. `>=0.1.0 <1.0.0`. */
  readonly engine: string;
  /** How the package depends on Loom while it is developed: `file:/path/to/loom` or a semver range. */
  readonly loomSpec: string;
  /** Versions of the tools, taken from Loom's own devDependencies so that an npm cache that holds Loom's holds these. */
  readonly typescript: string;
  readonly vitest: string;
  readonly typesNode: string;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

function title(stem: string): string {
  return stem
    .split(/[-._]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');
}

function packageJson(t: TemplateInput): string {
  const entry = `./dist/${t.stem}.plugin.js`;
  return json({
    name: t.name,
    version: '0.1.0',
    description: `${title(t.stem)}: a Loom plugin that keeps the top rows of a dataset by a column`,
    type: 'module',
    exports: { '.': entry },
    files: ['dist', 'README.md'],
    keywords: ['loom-plugin'],
    loom: { plugins: [entry], engine: t.engine },
    scripts: { build: 'tsc -p tsconfig.build.json', typecheck: 'tsc --noEmit', test: 'vitest run', prepack: 'npm run build' },
    // Loom is a peer: the plugin runs inside the Loom that discovers it. Optional, so that installing the plugin
    // never makes npm fetch a Loom of its own.
    peerDependencies: { loom: t.engine },
    peerDependenciesMeta: { loom: { optional: true } },
    devDependencies: { '@types/node': t.typesNode, loom: t.loomSpec, typescript: t.typescript, vitest: t.vitest },
  });
}

const tsconfig = json({
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2023'],
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    // NOTE: no .d.ts: Loom loads the plugin at run time, and a definePlugin type names TypeBox types from inside
    // Loom's own node_modules, which a declaration file cannot refer to portably.
    declaration: false,
    sourceMap: true,
    outDir: 'dist',
    rootDir: 'src',
  },
  include: ['src'],
});

const tsconfigBuild = json({ extends: './tsconfig.json', exclude: ['src/**/*.test.ts'] });

const vitestConfig = `import { defineConfig } from 'vitest/config';

// Its own config, so that vitest does not take up the config of a folder above this one.
export default defineConfig({ test: { include: ['src/**/*.test.ts'], testTimeout: 30_000 } });
`;

function pluginSource(t: TemplateInput): string {
  return `import { definePlugin, PluginError, Type } from 'loom/sdk';
import { ident, withDb } from 'loom/data';

/** Keeps the N rows with the largest (or smallest) values of a column. */
export default definePlugin({
  name: '${t.name}',
  version: '0.1.0',
  title: '${title(t.stem)}',
  description: 'Keeps the N rows with the largest (or smallest) values of a column, best first.',
  category: 'transform',
  inputs: { data: { type: 'dataset', description: 'Any table.' } },
  outputs: {
    data: { type: 'dataset', description: 'The kept rows, best first.' },
    report: { type: 'json', description: '{ "rowsIn": <rows read>, "rowsOut": <rows kept> }' },
  },
  config: Type.Object(
    {
      column: Type.String({ minLength: 1, description: 'The column to rank rows by.' }),
      n: Type.Integer({ minimum: 1, default: 10, description: 'How many rows to keep.' }),
      order: Type.Union([Type.Literal('desc'), Type.Literal('asc')], { default: 'desc', description: 'desc keeps the largest values, asc the smallest.' }),
    },
    { additionalProperties: false },
  ),
  async run(ctx) {
    const { column, n, order } = ctx.config;
    // The data plane: an in-process DuckDB whose file access is limited to the artifact store and scratch dir.
    return withDb(ctx, async (db) => {
      await db.load('input', ctx.inputs.data);
      const columns = (await db.columns('input')).map((c) => c.name);
      if (!columns.includes(column)) {
        // Bad config: trying again cannot help, so the node fails at once.
        throw new PluginError(\`column "\${column}" not found; columns are \${columns.join(', ')}\`, { retryable: false });
      }
      ctx.progress(0.5, 'ranking');
      const data = await db.writeDataset(\`SELECT * FROM input ORDER BY \${ident(column)} \${order === 'asc' ? 'ASC' : 'DESC'} NULLS LAST LIMIT \${n}\`);
      const rowsIn = Number(await db.value('SELECT count(*) FROM input'));
      return { data, report: await ctx.artifacts.putJson('json', { rowsIn, rowsOut: Number(data.meta?.rows) }) };
    });
  },
});
`;
}

function testSource(t: TemplateInput): string {
  return `import { expect, test } from 'vitest';
import { pluginContract, runPlugin } from 'loom/testing';
import plugin from './${t.stem}.plugin.js';

const sales = [
  { sku: 'mug', sold: 5 },
  { sku: 'lamp', sold: 12 },
  { sku: 'vase', sold: 7 },
  { sku: 'rug', sold: null },
];

// The checks every Loom plugin passes: its schema, its palette entry, a sample run (outputs as declared, no
// stray files) and cancellation.
pluginContract(plugin, { samples: [{ config: { column: 'sold', n: 2 }, inputs: { data: sales } }] });

test('keeps the top rows, best first', async () => {
  const run = await runPlugin(plugin, { config: { column: 'sold', n: 2 }, inputs: { data: sales } });
  expect(run.read('data')).toEqual([
    { sku: 'lamp', sold: 12 },
    { sku: 'vase', sold: 7 },
  ]);
  expect(run.read('report')).toEqual({ rowsIn: 4, rowsOut: 2 });
});

test('asc keeps the smallest values; rows without a value come last', async () => {
  const run = await runPlugin(plugin, { config: { column: 'sold', order: 'asc' }, inputs: { data: sales } });
  expect(run.read<{ sku: string }[]>('data').map((r) => r.sku)).toEqual(['mug', 'vase', 'lamp', 'rug']);
});

test('an unknown column is a clear error that is not retried', async () => {
  await expect(runPlugin(plugin, { config: { column: 'price' }, inputs: { data: sales } })).rejects.toMatchObject({
    message: 'column "price" not found; columns are sku, sold',
    retryable: false,
  });
});
`;
}

function readme(t: TemplateInput): string {
  return `# ${t.name}

A Loom plugin package. Its plugin, \`${t.name}\` (${title(t.stem)}), keeps the N rows of a
dataset with the largest (or smallest) values of a column.

| | |
|---|---|
| input | \`data\` (dataset) |
| outputs | \`data\` (dataset, the kept rows), \`report\` (json: \`rowsIn\`, \`rowsOut\`) |
| config | \`column\` (required), \`n\` (default 10), \`order\` (\`desc\` or \`asc\`, default \`desc\`) |

## Develop

    npm install
    npm test          # runPlugin and the contract suite (loom/testing)
    npm run build     # dist/, the entry point named in package.json's "loom" field

The plugin is \`src/${t.stem}.plugin.ts\`; its test is \`src/${t.stem}.plugin.test.ts\`. Loom is a dev dependency
(\`${t.loomSpec}\`) for the SDK and the test harness, and a peer dependency: at run time the plugin uses the Loom
that loads it.

## Use it in Loom

Install it into the folder you run Loom from (Loom reads the \`loom\` field of every package in the project's
\`node_modules\`):

    npm install /path/to/${t.stem}        # or the published name
    loom plugins                          # lists ${t.name}

or point Loom at it without installing: \`LOOM_PLUGIN_PATH=/path/to/${t.stem} loom serve\`. It then appears in the
editor's palette under "transform", with a form built from its config schema. In a workflow file:

    { "id": "top", "plugin": "${t.name}@^0.1", "inputs": { "data": "clean.data" }, "config": { "column": "Quantity", "n": 100 } }

Loom runs packaged plugins in a child process with a memory cap and a time limit.

## Publish

\`npm publish\` builds first (\`prepack\`). Keep \`loom.engine\` to the Loom versions you have tested with, and raise
the plugin's \`version\` with every change of behaviour: Loom's cache keys include it.
`;
}

/** Relative path → contents. */
export function pluginPackageFiles(t: TemplateInput): Record<string, string> {
  return {
    'package.json': packageJson(t),
    'tsconfig.json': tsconfig,
    'tsconfig.build.json': tsconfigBuild,
    'vitest.config.ts': vitestConfig,
    '.gitignore': 'node_modules/\ndist/\n',
    'README.md': readme(t),
    [`src/${t.stem}.plugin.ts`]: pluginSource(t),
    [`src/${t.stem}.plugin.test.ts`]: testSource(t),
  };
}
