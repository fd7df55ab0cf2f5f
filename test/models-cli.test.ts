/** `loom models …` through the built binary, over a data home with models trained by the real train plugin. */
import { rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLoom } from '../engine/loom.js';
import { trainedHome } from './fixtures/trained-models.js';
import { loom } from './cli-helpers.js';
import { tempDir } from './fixtures/loom.js';

let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  dir = await tempDir('loom-models-cli-');
  env = { LOOM_HOME: join(dir, 'home') };
  (await trainedHome(env.LOOM_HOME!)).loom.close();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Times change from run to run; the tables are pinned with them masked. */
const masked = (text: string) => text.replace(/\d{4}-\d\d-\d\d \d\d:\d\d/g, 'YYYY-MM-DD hh:mm');

describe('reading', () => {
  test('list: one row per model with its aliases; --json for scripts', async () => {
    const [result, listJson] = await Promise.all([loom(['models', 'list'], env), loom(['models', 'list', '--json'], env)]);
    expect(result.code).toBe(0);
    expect(masked(result.stdout)).toBe(
      ['MODEL  VERSIONS  LATEST  ALIASES       UPDATED', 'draft  1         1       -             YYYY-MM-DD hh:mm', 'recs   2         2       production=2  YYYY-MM-DD hh:mm', ''].join('\n'),
    );
    const json = JSON.parse(listJson.stdout);
    expect(json.map((m: { name: string; aliases: object }) => [m.name, m.aliases])).toEqual([
      ['draft', {}],
      ['recs', { production: 2 }],
    ]);
  });

  test('show, versions and history', async () => {
    // Read-only calls, so they run side by side.
    const [show, versions, history, versionsJson] = await Promise.all([
      loom(['models', 'show', 'recs'], env),
      loom(['models', 'versions', 'recs'], env),
      loom(['models', 'history', 'recs'], env),
      loom(['models', 'versions', 'recs', '--json'], env),
    ]);
    expect(show.stdout).toMatch(/^model {5}recs\nversions {2}2 \(latest 2\)\naliases {3}production=2\n/);
    expect(show.stdout).toMatch(/latest version 2: rebuy, by test at .*\n {2}metrics {2}ndcg=0\.5\n {2}lineage {2}run \S+ node model\n/);
    expect(masked(versions.stdout)).toBe(
      [
        'VERSION  ALIASES     ALGORITHM   ENCRYPTED  CREATED           BY    METRICS',
        '2        production  rebuy       no         YYYY-MM-DD hh:mm  test  ndcg=0.5',
        '1        -           popularity  no         YYYY-MM-DD hh:mm  test  ndcg=0.3',
        '',
      ].join('\n'),
    );
    expect(masked(history.stdout)).toBe(
      [
        'AT                ALIAS       KIND  FROM  TO  ACTOR  REASON',
        'YYYY-MM-DD hh:mm  production  move  -     1   test   first model',
        'YYYY-MM-DD hh:mm  production  move  1     2   test   re-buy beats popularity',
        '',
      ].join('\n'),
    );
    expect(JSON.parse(versionsJson.stdout).map((v: { version: number }) => v.version)).toEqual([2, 1]);
  });

  test('an unknown model exits 1 with the registry\'s message', async () => {
    const [result, history] = await Promise.all([loom(['models', 'show', 'nope'], env), loom(['models', 'history', 'nope'], env)]);
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: 'loom: model "nope" is not registered; registered models: draft, recs\n' });
    expect(history.code).toBe(1);
  });
});

describe('rollback', () => {
  test('needs --reason; moves production back, recorded as cli:<user> in the history and the audit log', async () => {
    const [noReason, blankReason] = await Promise.all([loom(['models', 'rollback', 'recs'], env), loom(['models', 'rollback', 'recs', '--reason', ' '], env)]);
    expect(noReason.code).toBe(2);
    expect(blankReason.stderr).toBe('loom: models rollback: --reason must say why\n');

    const result = await loom(['models', 'rollback', 'recs', '--reason', 'v2 recommends junk'], env);
    expect(result).toMatchObject({ code: 0, stdout: 'model "recs": production rolled back from version 2 to 1 (v2 recommends junk)\n' });
    const actor = `cli:${userInfo().username}`;
    const registry = createLoom({ home: env.LOOM_HOME!, plugins: [] });
    try {
      expect((await registry.models.history('recs')).at(-1)).toMatchObject({ kind: 'rollback', from: 2, to: 1, actor, reason: 'v2 recommends junk' });
      expect((await registry.models.auditLog({ limit: 1 }))[0]).toMatchObject({ actor, action: 'model.rollback', target: 'recs:production' });
    } finally {
      registry.close();
    }

    const again = await loom(['models', 'rollback', 'recs', '--reason', 'again'], env);
    expect(again).toMatchObject({ code: 1, stderr: 'loom: model "recs": version 1 was the first to hold "production"; there is nothing to roll back to (name a version with --to)\n' });
    const to = JSON.parse((await loom(['models', 'rollback', 'recs', '--to', '2', '--reason', 'fixed', '--json'], env)).stdout);
    expect(to).toMatchObject({ kind: 'rollback', from: 1, to: 2, actor });
    expect((await loom(['models', 'rollback', 'recs', '--to', '9', '--reason', 'x'], env)).stderr).toBe('loom: model "recs" has no version 9; its versions are 1 to 2\n');
  });
});
