import { createHmac } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { withDb } from '../../engine/data/duckdb.js';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import { FsArtifactStore } from '../../engine/store/fs-artifact-store.js';
import { workflow } from '../../test/builder.js';
import { runDoc, tempDir } from '../../test/fixtures/loom.js';
import { pluginContract } from '../../test/plugin-contract.js';
import clean from './clean.plugin.js';
import { hmacSql } from './rules.js';
import { cleanTest, fixture as fixturePlugin, runClean } from './testing.js';
import { PluginRegistry } from '../../engine/plugin/registry.js';
import { validateWorkflow } from '../../engine/workflow/validate.js';

pluginContract(asAnyPlugin(clean));
const test = cleanTest();

const SALES = `SELECT * FROM (VALUES
  ('536365', 'A', 6, 2.5, 17850),
  ('C536379', 'B', -1, 3.0, 17850),
  ('536366', 'POST', 1, 18.0, NULL),
  ('536367', 'A', 0, 2.5, 13047),
  ('536365', 'A', 6, 2.5, 17850)
) t(InvoiceNo, StockCode, Quantity, UnitPrice, CustomerID)`;

describe('rows', () => {
  test('drop and keep by predicate, each counted; rows keep their input order', async ({ loom }) => {
    const { rows, report } = await runClean(loom, SALES, [
      { op: 'dropRows', where: "InvoiceNo LIKE 'C%'" },
      { op: 'keepRows', where: 'Quantity > 0' },
      { op: 'dropRows', where: 'CustomerID IS NULL' },
    ]);
    expect(rows.map((r) => [r.InvoiceNo, r.Quantity])).toEqual([['536365', 6], ['536365', 6]]);
    expect(report).toEqual({
      rowsIn: 5,
      rowsOut: 2,
      columnsIn: ['InvoiceNo', 'StockCode', 'Quantity', 'UnitPrice', 'CustomerID'],
      columnsOut: ['InvoiceNo', 'StockCode', 'Quantity', 'UnitPrice', 'CustomerID'],
      rules: [
        { rule: 1, op: 'dropRows', rowsIn: 5, rowsOut: 4, touched: 1 },
        { rule: 2, op: 'keepRows', rowsIn: 4, rowsOut: 3, touched: 1 },
        { rule: 3, op: 'dropRows', rowsIn: 3, rowsOut: 2, touched: 1 },
      ],
    });
  });

  test('a NULL predicate keeps the row for dropRows and drops it for keepRows', async ({ loom }) => {
    const sql = `SELECT * FROM (VALUES (1), (NULL), (3)) t(x)`;
    expect((await runClean(loom, sql, [{ op: 'dropRows', where: 'x > 2' }])).rows).toEqual([{ x: 1 }, { x: null }]);
    expect((await runClean(loom, sql, [{ op: 'keepRows', where: 'x < 2' }])).rows).toEqual([{ x: 1 }]);
  });

  test('all rows dropped leaves an empty dataset with the same columns', async ({ loom }) => {
    const { rows, report, types } = await runClean(loom, SALES, [{ op: 'keepRows', where: 'Quantity > 100' }, { op: 'dedupe' }]);
    expect(rows).toEqual([]);
    expect(Object.keys(types)).toEqual(['InvoiceNo', 'StockCode', 'Quantity', 'UnitPrice', 'CustomerID']);
    expect(report!.rules).toEqual([
      { rule: 1, op: 'keepRows', rowsIn: 5, rowsOut: 0, touched: 5 },
      { rule: 2, op: 'dedupe', rowsIn: 0, rowsOut: 0, touched: 0 },
    ]);
  });

  test('empty input passes every kind of rule', async ({ loom }) => {
    const empty = `SELECT * FROM (VALUES (1, 'a ', 2.0)) t(n, s, d) WHERE false`;
    const { error, rows, report } = await runClean(loom, empty, [
      { op: 'missing', columns: ['n'], action: 'mean' },
      { op: 'outliers', columns: ['d'], action: 'clip' },
      { op: 'standardise', columns: ['d'] },
      { op: 'text', columns: ['s'], case: 'upper' },
      { op: 'cast', columns: { s: 'INTEGER' } },
      { op: 'dedupe', by: ['n'] },
    ]);
    expect(error).toBeUndefined();
    expect(rows).toEqual([]);
    expect(report!.rules.map((r) => [r.rowsIn, r.rowsOut, r.touched])).toEqual(Array(6).fill([0, 0, 0]));
  });

  test('a predicate that is not true/false, or names a missing column, is a clear error', async ({ loom }) => {
    expect((await runClean(loom, SALES, [{ op: 'dropRows', where: 'Quantity' }])).error).toBe(
      'rule 1 (dropRows): "Quantity" is INTEGER, not a true/false condition',
    );
    expect((await runClean(loom, SALES, [{ op: 'dropRows', where: 'Quantty <= 0' }])).error).toBe(
      'rule 1 (dropRows): "Quantty <= 0" is not a valid expression here: Binder Error: Referenced column "Quantty" not found in FROM clause! ' +
        'Candidate bindings: "Quantity", "UnitPrice"; columns are "InvoiceNo", "StockCode", "Quantity", "UnitPrice", "CustomerID"',
    );
  });
});

describe('columns', () => {
  test('a missing column names the rule, its op and the columns there are', async ({ loom }) => {
    const { error } = await runClean(loom, SALES, [{ op: 'dropColumns', columns: ['StockCode'] }, { op: 'missing', columns: ['stockcode'], action: 'dropRow' }]);
    expect(error).toBe(
      'rule 2 (missing): column "stockcode" not found; columns are "InvoiceNo", "Quantity", "UnitPrice", "CustomerID"',
    );
    const hint = await runClean(loom, SALES, [{ op: 'dropColumns', columns: ['quantity'] }]);
    expect(hint.error).toMatch(/^rule 1 \(dropColumns\): column "quantity" not found \(did you mean "Quantity"\?\); columns are /);
  });

  test('drop columns, but never all of them', async ({ loom }) => {
    const { rows, report } = await runClean(loom, `SELECT 1 AS a, 2 AS b, 3 AS c`, [{ op: 'dropColumns', columns: ['a', 'c'] }]);
    expect(rows).toEqual([{ b: 2 }]);
    expect(report!.rules[0]).toEqual({ rule: 1, op: 'dropColumns', rowsIn: 1, rowsOut: 1, touched: 0, columnsDropped: ['a', 'c'] });
    expect((await runClean(loom, `SELECT 1 AS a`, [{ op: 'dropColumns', columns: ['a'] }])).error).toBe('rule 1 (dropColumns): would drop every column ("a")');
  });
});

describe('pii', () => {
  const PEOPLE = `SELECT * FROM (VALUES ('ann@x.org', 17850.0, 1), (NULL, 13047.0, 2), ('ann@x.org', NULL, 3)) t(email, customer, n)`;
  const hmac = (value: string) => createHmac('sha256', 'pepper').update(value).digest('hex');

  test('pseudonymises with HMAC-SHA256 of the value text, keyed by the salt from the environment; NULL stays NULL', async ({ loom }) => {
    process.env.TEST_CLEAN_SALT = 'pepper';
    try {
      const { rows, report, types } = await runClean(loom, PEOPLE, [{ op: 'pii', columns: ['email', 'customer'], saltEnv: 'TEST_CLEAN_SALT' }]);
      expect(rows).toEqual([
        { email: hmac('ann@x.org'), customer: hmac('17850.0'), n: 1 },
        { email: null, customer: hmac('13047.0'), n: 2 },
        { email: hmac('ann@x.org'), customer: null, n: 3 },
      ]);
      expect(types).toEqual({ email: 'VARCHAR', customer: 'VARCHAR', n: 'INTEGER' });
      expect(report!.rules[0]).toEqual({
        rule: 1, op: 'pii', rowsIn: 3, rowsOut: 3, touched: 3, columns: { email: { pseudonymised: 2 }, customer: { pseudonymised: 2 } },
      });
    } finally {
      delete process.env.TEST_CLEAN_SALT;
    }
  });

  test('the SQL HMAC matches node:crypto for short, block-sized, long and non-ASCII keys and values', async () => {
    const dir = await tempDir('loom-hmac-');
    const ctx = { artifacts: new FsArtifactStore(join(dir, 'home')), scratchDir: dir, signal: new AbortController().signal };
    const keys = ['k', 'x'.repeat(64), 'long key '.repeat(20), 'sél ✓'];
    const values = ['', 'a', 'ünïcode ✓', 'v'.repeat(200)];
    for (const key of keys) {
      const sql = values.map((v) => `${hmacSql(key, `'${v}'`)} AS "${values.indexOf(v)}"`).join(', ');
      const [row] = await withDb(ctx, (db) => db.all(`SELECT ${sql}`));
      expect(Object.values(row!)).toEqual(values.map((v) => createHmac('sha256', key).update(v).digest('hex')));
    }
    await rm(dir, { recursive: true, force: true });
  });

  test('a missing salt is a clear error; drop removes the columns without one', async ({ loom }) => {
    delete process.env.LOOM_PII_SALT;
    expect((await runClean(loom, PEOPLE, [{ op: 'pii', columns: ['email'] }])).error).toBe(
      'rule 1 (pii): the salt environment variable LOOM_PII_SALT is not set (or empty); set it to a secret, the same one wherever joined data is pseudonymised',
    );
    const { rows } = await runClean(loom, PEOPLE, [{ op: 'pii', columns: ['email', 'customer'], action: 'drop' }]);
    expect(rows).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });
});

describe('dedupe', () => {
  const EVENTS = `SELECT * FROM (VALUES ('u1', 3, 'a'), ('u2', 1, 'b'), ('u1', 5, 'c'), ('u1', 3, 'a'), ('u2', NULL, 'd'), ('u1', 5, 'e')) t(user, ts, v)`;

  test('exact duplicates: the first copy stays where it was', async ({ loom }) => {
    const { rows, report } = await runClean(loom, EVENTS, [{ op: 'dedupe' }]);
    expect(rows.map((r) => r.v)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(report!.rules[0]).toMatchObject({ rowsIn: 6, rowsOut: 5, touched: 1 });
  });

  test('by key, first or last in file order', async ({ loom }) => {
    expect((await runClean(loom, EVENTS, [{ op: 'dedupe', by: ['user'] }])).rows.map((r) => r.v)).toEqual(['a', 'b']);
    expect((await runClean(loom, EVENTS, [{ op: 'dedupe', by: ['user'], keep: 'last' }])).rows.map((r) => r.v)).toEqual(['d', 'e']);
  });

  test('by key, first or last by an order column; ties go by file order and NULLs lose', async ({ loom }) => {
    const last = await runClean(loom, EVENTS, [{ op: 'dedupe', by: ['user'], keep: 'last', orderBy: 'ts' }]);
    expect(last.rows.map((r) => r.v)).toEqual(['b', 'e']);
    const first = await runClean(loom, EVENTS, [{ op: 'dedupe', by: ['user'], keep: 'first', orderBy: 'ts' }]);
    expect(first.rows.map((r) => r.v)).toEqual(['a', 'b']);
    expect(first.report!.rules[0]).toMatchObject({ rowsIn: 6, rowsOut: 2, touched: 4 });
  });
});

describe('config', () => {
  test('a rule with an unknown op, a stray field or a missing field is refused before the run starts, at that field', async ({ loom }) => {
    const cases: [object, string][] = [
      [{ op: 'frobnicate' }, '/nodes/1/config/rules/0/op: must be one of "dropRows", "keepRows", "dropColumns", "pii", "dedupe", "missing", "outliers", "standardise", "cast", "text", not "frobnicate"'],
      [{ op: 'dropRows', where: 'x > 1', wher: 'x' }, '/nodes/1/config/rules/0/wher: unknown field "wher"; did you mean "where"?'],
      [{ op: 'missing', columns: ['x'] }, '/nodes/1/config/rules/0: missing required field "action"'],
    ];
    for (const [rule, message] of cases) {
      const doc = workflow().node('in', 'fixture', { config: { sql: 'SELECT 1 AS x' } }).node('c', 'clean', { config: { rules: [rule] }, inputs: { data: 'in.data' } }).build();
      await expect(runDoc(loom, doc)).rejects.toThrow(`${message} (config of plugin "clean")`);
    }
  });
});

test('column names with spaces and quotes are quoted everywhere', async ({ loom }) => {
  const sql = `SELECT * FROM (VALUES ('a', ' x '), ('a', 'y'), ('b', 'z')) t("my ""key""", "the text")`;
  const { rows, report } = await runClean(loom, sql, [
    { op: 'dedupe', by: ['my "key"'], keep: 'last' },
    { op: 'text', columns: ['the text'], case: 'upper' },
    { op: 'dropRows', where: `"the text" = 'Z'` },
  ]);
  expect(rows).toEqual([{ 'my "key"': 'a', 'the text': 'Y' }]);
  expect(report!.rules.map((r) => r.touched)).toEqual([1, 2, 1]);
});

test('a node that pseudonymises is never served from the cache (its salt is a secret, not config); others are', () => {
  const registry = new PluginRegistry([asAnyPlugin(clean), asAnyPlugin(fixturePlugin)]);
  const compiled = (rules: object[]) => {
    const doc = workflow().node('in', 'fixture', { config: { sql: 'SELECT 1 AS x' } }).node('c', 'clean', { config: { rules }, inputs: { data: 'in.data' } }).build();
    const result = validateWorkflow(doc, registry);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    return result.workflow.nodes[1]!.cache;
  };
  expect(compiled([{ op: 'pii', columns: ['x'], action: 'pseudonymise' }])).toBe(false);
  expect(compiled([{ op: 'pii', columns: ['x'], action: 'drop' }])).toBe(true);
  expect(compiled([{ op: 'dropRows', where: 'x > 1' }])).toBe(true);
});
