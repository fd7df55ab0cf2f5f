import { describe, expect } from 'vitest';
import { cleanTest, runClean } from './testing.js';

const test = cleanTest();

// n: INTEGER, d: DOUBLE, s: VARCHAR, with NULLs in each.
const GAPS = `SELECT * FROM (VALUES (1, 2.0::DOUBLE, 'a'), (NULL, 4.0, 'b'), (4, NULL, 'b'), (NULL, NULL, NULL), (2, 9.0, 'c')) t(n, d, s)`;
// 2, 4, 4, 4, 5, 5, 7, 9 has mean 5 and population standard deviation 2; Q1 = 4 and Q3 = 5.5 (linear interpolation).
const SPREAD = `SELECT * FROM (VALUES (2), (4), (4), (4), (5), (5), (7), (9), (NULL)) t(i), LATERAL (SELECT CAST(i AS DOUBLE) AS d)`;

describe('missing values', () => {
  test('dropRow drops the rows with a NULL in any of the columns, counted per column', async ({ loom }) => {
    const { rows, report } = await runClean(loom, GAPS, [{ op: 'missing', columns: ['n', 'd'], action: 'dropRow' }]);
    expect(rows).toEqual([{ n: 1, d: 2, s: 'a' }, { n: 2, d: 9, s: 'c' }]);
    expect(report!.rules[0]).toEqual({ rule: 1, op: 'missing', rowsIn: 5, rowsOut: 2, touched: 3, columns: { n: { missing: 2 }, d: { missing: 2 } } });
  });

  test('mean (rounded for an integer column) and median fill the NULLs and say with what', async ({ loom }) => {
    const mean = await runClean(loom, GAPS, [{ op: 'missing', columns: ['n', 'd'], action: 'mean' }]);
    expect(mean.rows.map((r) => [r.n, r.d])).toEqual([[1, 2], [2, 4], [4, 5], [2, 5], [2, 9]]);
    expect(mean.types).toMatchObject({ n: 'INTEGER', d: 'DOUBLE' });
    expect(mean.report!.rules[0]).toMatchObject({ touched: 3, columns: { n: { filled: 2, value: 2 }, d: { filled: 2, value: 5 } } });
    const median = await runClean(loom, GAPS, [{ op: 'missing', columns: ['n', 'd'], action: 'median' }]);
    expect(median.rows.map((r) => [r.n, r.d])).toEqual([[1, 2], [2, 4], [4, 4], [2, 4], [2, 9]]);
  });

  test('mode takes the most frequent value, the smallest on a tie; constant is cast to the column type', async ({ loom }) => {
    const { rows, report } = await runClean(loom, GAPS, [
      { op: 'missing', columns: ['s', 'n'], action: 'mode' },
      { op: 'missing', columns: ['d'], action: 'constant', value: '-1' },
    ]);
    expect(rows).toEqual([
      { n: 1, d: 2, s: 'a' }, { n: 1, d: 4, s: 'b' }, { n: 4, d: -1, s: 'b' }, { n: 1, d: -1, s: 'b' }, { n: 2, d: 9, s: 'c' },
    ]);
    expect(report!.rules.map((r) => r.columns)).toEqual([
      { s: { filled: 1, value: 'b' }, n: { filled: 2, value: 1 } },
      { d: { filled: 2, value: -1 } },
    ]);
  });

  test('a wrong type, a constant that does not fit, and nothing to average are clear errors', async ({ loom }) => {
    expect((await runClean(loom, GAPS, [{ op: 'missing', columns: ['s'], action: 'mean' }])).error).toBe(
      'rule 1 (missing): "mean" needs numeric columns, but "s" is VARCHAR',
    );
    expect((await runClean(loom, GAPS, [{ op: 'missing', columns: ['n'], action: 'constant', value: 'none' }])).error).toBe(
      'rule 1 (missing): the constant "none" cannot be cast to INTEGER, the type of column "n"',
    );
    expect((await runClean(loom, GAPS, [{ op: 'missing', columns: ['n'], action: 'constant' }])).error).toBe(
      'rule 1 (missing): "constant" needs a "value" to fill with',
    );
    expect((await runClean(loom, `SELECT CAST(NULL AS DOUBLE) AS x`, [{ op: 'missing', columns: ['x'], action: 'median' }])).error).toBe(
      'rule 1 (missing): column "x" has no values to take the median of, and 1 are missing',
    );
  });
});

describe('outliers', () => {
  test('z-score flags add a boolean column per column; NULL is not an outlier', async ({ loom }) => {
    const { rows, types, report } = await runClean(loom, SPREAD, [{ op: 'outliers', columns: ['d'], threshold: 1.5 }]);
    expect(rows.map((r) => r.d_outlier)).toEqual([false, false, false, false, false, false, false, true, false]);
    expect(types.d_outlier).toBe('BOOLEAN');
    expect(report!.rules[0]).toEqual({
      rule: 1, op: 'outliers', rowsIn: 9, rowsOut: 9, touched: 1, columnsAdded: ['d_outlier'],
      columns: { d: { min: 2, max: 9, mean: 5, sd: 2, lower: 2, upper: 8, outliers: 1 } },
    });
  });

  test('clip moves values to the bounds; an integer column to the nearest integers inside them', async ({ loom }) => {
    const { rows, types } = await runClean(loom, SPREAD, [{ op: 'outliers', columns: ['i', 'd'], threshold: 1.2, action: 'clip' }]);
    // bounds: 5 ± 1.2 × 2 = [2.6, 7.4]
    expect(rows.map((r) => r.d)).toEqual([2.6, 4, 4, 4, 5, 5, 7, 7.4, null]);
    expect(rows.map((r) => r.i)).toEqual([3, 4, 4, 4, 5, 5, 7, 7, null]);
    expect(types).toEqual({ i: 'INTEGER', d: 'DOUBLE' });
  });

  test('IQR drops the rows outside [Q1 − k·IQR, Q3 + k·IQR]', async ({ loom }) => {
    const { rows, report } = await runClean(loom, SPREAD, [{ op: 'outliers', columns: ['i'], method: 'iqr', action: 'drop' }]);
    expect(rows.map((r) => r.i)).toEqual([2, 4, 4, 4, 5, 5, 7, null]);
    expect(report!.rules[0]).toMatchObject({ rowsIn: 9, rowsOut: 8, touched: 1, columns: { i: { q1: 4, q3: 5.5, lower: 1.75, upper: 7.75, outliers: 1 } } });
  });

  test('a text column or a flag column that exists is a clear error', async ({ loom }) => {
    expect((await runClean(loom, GAPS, [{ op: 'outliers', columns: ['s'] }])).error).toBe('rule 1 (outliers): outliers needs numeric columns, but "s" is VARCHAR');
    expect((await runClean(loom, `SELECT 1 AS x, true AS x_outlier`, [{ op: 'outliers', columns: ['x'] }])).error).toBe(
      'rule 1 (outliers): cannot add the flag column "x_outlier": a column of that name exists',
    );
  });
});

describe('standardise', () => {
  test('z-score and min-max give DOUBLE columns; a constant column becomes 0', async ({ loom }) => {
    const z = await runClean(loom, `${SPREAD.replace('AS d)', 'AS d, 7 AS c)')}`, [{ op: 'standardise', columns: ['i', 'c'] }]);
    expect(z.rows.map((r) => [r.i, r.c])).toEqual([[-1.5, 0], [-0.5, 0], [-0.5, 0], [-0.5, 0], [0, 0], [0, 0], [1, 0], [2, 0], [null, 0]]);
    expect(z.types).toEqual({ i: 'DOUBLE', d: 'DOUBLE', c: 'DOUBLE' });
    expect(z.report!.rules[0]).toMatchObject({ touched: 9, columns: { i: { mean: 5, sd: 2, values: 8 }, c: { mean: 7, sd: 0, values: 9 } } });
    const mm = await runClean(loom, SPREAD, [{ op: 'standardise', columns: ['d'], method: 'minmax' }]);
    expect(mm.rows.map((r) => r.d)).toEqual([2, 4, 4, 4, 5, 5, 7, 9, null].map((x) => (x === null ? null : (x - 2) / 7)));
  });
});

describe('cast', () => {
  const RAW = `SELECT * FROM (VALUES ('17850', '2011-01-04 10:00:00', '3'), ('13047', 'not a date', 'x'), (NULL, '2011-01-05 09:30:00', '5')) t(customer, seen, q)`;

  test('a value that does not convert names the column, the value, its row and the type', async ({ loom }) => {
    expect((await runClean(loom, RAW, [{ op: 'cast', columns: { customer: 'BIGINT', seen: 'TIMESTAMP', q: 'INTEGER' } }])).error).toBe(
      'rule 1 (cast): column "seen" value "not a date" (input row 2) cannot be cast to TIMESTAMP; use "onError": "null" to make such values NULL',
    );
    expect((await runClean(loom, RAW, [{ op: 'cast', columns: { q: 'NUMBER' } }])).error).toMatch(
      /^rule 1 \(cast\): "NUMBER" \(for column "q"\) is not a DuckDB type: Catalog Error: Type with name NUMBER does not exist!/,
    );
  });

  test('onError "null" makes such values NULL and counts them', async ({ loom }) => {
    const { rows, types, report } = await runClean(loom, RAW, [{ op: 'cast', columns: { customer: 'BIGINT', seen: 'TIMESTAMP', q: 'INTEGER' }, onError: 'null' }]);
    expect(rows).toEqual([
      { customer: '17850', seen: '2011-01-04 10:00:00', q: 3 },
      { customer: '13047', seen: null, q: null },
      { customer: null, seen: '2011-01-05 09:30:00', q: 5 },
    ]);
    expect(types).toEqual({ customer: 'BIGINT', seen: 'TIMESTAMP', q: 'INTEGER' });
    expect(report!.rules[0]).toMatchObject({
      touched: 1,
      columns: { customer: { from: 'VARCHAR', to: 'BIGINT', nulled: 0 }, seen: { from: 'VARCHAR', to: 'TIMESTAMP', nulled: 1 }, q: { from: 'VARCHAR', to: 'INTEGER', nulled: 1 } },
    });
  });
});

describe('text', () => {
  test('trim, collapse whitespace and change case; counts the values changed', async ({ loom }) => {
    const sql = `SELECT * FROM (VALUES (E'  White \\t Heart\\n'), ('mug'), (NULL), ('A B')) t(s)`;
    const { rows, report } = await runClean(loom, sql, [{ op: 'text', columns: ['s'], collapseWhitespace: true, case: 'upper' }]);
    expect(rows.map((r) => r.s)).toEqual(['WHITE HEART', 'MUG', null, 'A B']);
    expect(report!.rules[0]).toMatchObject({ touched: 2, columns: { s: { changed: 2 } } });
    const trimOnly = await runClean(loom, sql, [{ op: 'text', columns: ['s'] }]);
    expect(trimOnly.rows.map((r) => r.s)).toEqual(['White \t Heart', 'mug', null, 'A B']);
  });

  test('a column that is not text is a clear error', async ({ loom }) => {
    expect((await runClean(loom, GAPS, [{ op: 'text', columns: ['n'] }])).error).toBe('rule 1 (text): text needs VARCHAR columns, but "n" is INTEGER');
  });
});
