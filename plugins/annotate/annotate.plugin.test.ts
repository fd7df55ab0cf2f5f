import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import { loomTest } from '../../test/fixtures/loom.js';
import { pluginContract } from '../../test/plugin-contract.js';
import { annotateRows, fixture, idsBySplit, outputsOf, query, SPLITS, withTestDb } from './annotate.fixtures.js';
import annotate from './annotate.plugin.js';
import { RETAIL_DATA } from '../../test/fixtures/retail-data.js';

pluginContract(asAnyPlugin(annotate));
const test = loomTest([asAnyPlugin(fixture), asAnyPlugin(annotate)]);

/**
 * Purchases of three customers and one anonymous line. Customer b bought twice on 2011-01-05 (rows 4 and 5) and
 * returned something on 2011-01-20 (row 9, qty < 0). The data ends on 2011-03-01.
 */
const EVENTS = `SELECT * FROM (VALUES
  (1, 'a', DATE '2011-01-01', 1), (2, 'a', DATE '2011-01-10', 2), (3, 'a', DATE '2011-03-01', 1),
  (4, 'b', DATE '2011-01-05', 1), (5, 'b', DATE '2011-01-05', 1), (6, 'b', DATE '2011-02-20', 3),
  (7, 'c', DATE '2011-02-01', 1), (8, NULL, DATE '2011-02-15', 1), (9, 'b', DATE '2011-01-20', -2)
) t(id, customer, day, qty)`;

test('a time split: before trainUntil is train, up to validationUntil validation, the rest test, each in input order', async ({ loom }) => {
  const outputs = await outputsOf(loom, EVENTS, { split: { method: 'time', time: 'day', trainUntil: '2011-02-01', validationUntil: '2011-02-20' } });
  expect(await idsBySplit(loom, outputs)).toEqual({ train: [1, 2, 4, 5, 9], validation: [7, 8], test: [3, 6] });
  expect(outputs.train.meta).toMatchObject({ rows: 5, columns: [{ name: 'id', type: 'INTEGER' }, { name: 'customer', type: 'VARCHAR' }, { name: 'day', type: 'DATE' }, { name: 'qty', type: 'INTEGER' }] });
  expect(await loom.artifacts.readJson(outputs.report)).toEqual({
    method: 'time',
    rows: { input: 9, train: 5, validation: 2, test: 2 },
    time: 'day',
    trainUntil: '2011-02-01',
    trainUntilResolved: '2011-02-01 00:00:00',
    validationUntil: '2011-02-20',
    labels: [],
  });
});

test('a time split relative to the data: latest-14d makes the last 14 calendar days test, whatever the data\'s end', async ({ loom }) => {
  // The data ends on 2011-03-01: the last 14 days are 2011-02-16 .. 2011-03-01, so the boundary is 2011-02-16.
  const outputs = await outputsOf(loom, EVENTS, { split: { method: 'time', time: 'day', trainUntil: 'latest-14d' } });
  expect(await idsBySplit(loom, outputs)).toEqual({ train: [1, 2, 4, 5, 7, 8, 9], validation: [], test: [3, 6] });
  expect(await loom.artifacts.readJson(outputs.report)).toMatchObject({ trainUntil: 'latest-14d', trainUntilResolved: '2011-02-16 00:00:00' });
  await expect(outputsOf(loom, EVENTS, { split: { method: 'time', time: 'day', trainUntil: 'latest-0d' } })).rejects.toThrow('split.trainUntil: "latest-0d" must count at least one day');
});

test('a time split without validationUntil leaves validation empty, with the right columns', async ({ loom }) => {
  const outputs = await outputsOf(loom, EVENTS, { split: { method: 'time', time: 'day', trainUntil: '2011-02-01' } });
  expect(await idsBySplit(loom, outputs)).toEqual({ train: [1, 2, 4, 5, 9], validation: [], test: [3, 6, 7, 8] });
  expect(outputs.validation.meta).toMatchObject({ rows: 0, columns: [{ name: 'id' }, { name: 'customer' }, { name: 'day' }, { name: 'qty' }] });
});

test('a time split reads a text column that holds dates, and keeps it text', async ({ loom }) => {
  const sql = `SELECT id, CAST(day AS VARCHAR) || ' 10:00:00' AS day FROM (${EVENTS})`;
  const outputs = await outputsOf(loom, sql, { split: { method: 'time', time: 'day', trainUntil: '2011-02-01 10:00:00' } });
  expect(await idsBySplit(loom, outputs)).toEqual({ train: [1, 2, 4, 5, 9], validation: [], test: [3, 6, 7, 8] });
  expect(outputs.test.meta).toMatchObject({ columns: [{ name: 'id', type: 'INTEGER' }, { name: 'day', type: 'VARCHAR' }] });
});

test('a time split on text that is not a date says how many values fail and shows one', async ({ loom }) => {
  const sql = `SELECT * FROM (VALUES (1, '2011-01-01'), (2, 'yesterday'), (3, NULL), (4, '2011-13-45')) t(id, day)`;
  await expect(outputsOf(loom, sql, { split: { method: 'time', time: 'day', trainUntil: '2011-02-01' } })).rejects.toMatchObject({
    message: 'split.time: column "day" is VARCHAR and 2 of its 3 values do not read as a date or time (e.g. "2011-13-45")',
    retryable: false,
  });
});

test('a time split on a number column, or with a cutoff that is not a date, or rows with no time, is refused', async ({ loom }) => {
  await expect(outputsOf(loom, EVENTS, { split: { method: 'time', time: 'qty', trainUntil: '2011-02-01' } })).rejects.toThrow(
    'split.time: column "qty" is INTEGER; it must be a DATE, a TIMESTAMP or text that reads as one',
  );
  await expect(outputsOf(loom, EVENTS, { split: { method: 'time', time: 'day', trainUntil: 'next tuesday' } })).rejects.toThrow(
    'split.trainUntil: "next tuesday" is not a date or time (use e.g. "2011-09-01" or "2011-09-01 12:00:00")',
  );
  await expect(outputsOf(loom, EVENTS, { split: { method: 'time', time: 'day', trainUntil: '2011-02-01', validationUntil: '2011-01-01' } })).rejects.toThrow(
    'split.validationUntil: "2011-01-01" is before trainUntil "2011-02-01"',
  );
  const withNull = `SELECT * FROM (VALUES (1, DATE '2011-01-01'), (2, NULL)) t(id, day)`;
  await expect(outputsOf(loom, withNull, { split: { method: 'time', time: 'day', trainUntil: '2011-02-01' } })).rejects.toThrow(
    'split.time: 1 row has no "day"; every row needs one for this split (filter them out first)',
  );
});

test('a missing column is named, with the columns there are', async ({ loom }) => {
  await expect(outputsOf(loom, EVENTS, { split: { method: 'time', time: 'InvoiceDate', trainUntil: '2011-02-01' } })).rejects.toMatchObject({
    message: 'split.time: column "InvoiceDate" not found; columns are "id", "customer", "day", "qty"',
    retryable: false,
  });
  await expect(outputsOf(loom, EVENTS, { labels: [{ name: 'soon', kind: 'next-window', key: 'CustomerID', time: 'day', days: 30 }] })).rejects.toThrow(
    'label 1 (soon) key: column "CustomerID" not found; columns are "id", "customer", "day", "qty"',
  );
});

test('leave-last-n: per entity the last n rows are test and the validationN before them validation; short histories stay in train', async ({ loom }) => {
  const known = `SELECT * FROM (${EVENTS}) WHERE customer IS NOT NULL`;
  const split = { method: 'leave-last-n', entity: 'customer', time: 'day' };
  const one = await outputsOf(loom, known, { split });
  expect(await idsBySplit(loom, one)).toEqual({ train: [1, 2, 4, 5, 7, 9], validation: [], test: [3, 6] });
  const withValidation = await outputsOf(loom, known, { split: { ...split, validationN: 1 } });
  expect(await idsBySplit(loom, withValidation)).toEqual({ train: [1, 4, 5, 7], validation: [2, 9], test: [3, 6] });
  expect(await loom.artifacts.readJson(withValidation.report)).toMatchObject({
    rows: { input: 8, train: 4, validation: 2, test: 2 },
    n: 1,
    validationN: 1,
    minTrainRows: 1,
    entities: { total: 3, heldOut: 2, trainOnly: 1 },
  });
});

test('leave-last-n breaks ties in time by input order: of two rows on one day, the later row is "last"', async ({ loom }) => {
  const known = `SELECT * FROM (${EVENTS}) WHERE customer IS NOT NULL`;
  const outputs = await outputsOf(loom, known, { split: { method: 'leave-last-n', entity: 'customer', time: 'day', n: 2, validationN: 1 } });
  // a has 3 rows, fewer than 2 + 1 + 1: all train. b: 6 and 9 are its last two, then 5 (after 4 in the input).
  expect(await idsBySplit(loom, outputs)).toEqual({ train: [1, 2, 3, 4, 7], validation: [5], test: [6, 9] });
});

test('leave-last-n refuses rows with no entity rather than treating them as one', async ({ loom }) => {
  await expect(outputsOf(loom, EVENTS, { split: { method: 'leave-last-n', entity: 'customer', time: 'day' } })).rejects.toThrow(
    'split.entity: 1 row has no "customer"; every row needs one for this split (filter them out first)',
  );
});

test('labels: an expression per row, a later label using an earlier one, and their counts per split', async ({ loom }) => {
  const labels = [
    { name: 'purchased', expression: '1' },
    { name: 'returned', expression: 'qty < 0' },
    { name: 'kind', expression: "CASE WHEN returned THEN 'return' ELSE 'sale' END" },
  ];
  const outputs = await outputsOf(loom, EVENTS, { labels, split: { method: 'time', time: 'day', trainUntil: '2011-02-01' } });
  expect(await query(loom, outputs.train, 'SELECT id, purchased, returned, kind FROM t')).toEqual([
    { id: 1, purchased: 1, returned: false, kind: 'sale' },
    { id: 2, purchased: 1, returned: false, kind: 'sale' },
    { id: 4, purchased: 1, returned: false, kind: 'sale' },
    { id: 5, purchased: 1, returned: false, kind: 'sale' },
    { id: 9, purchased: 1, returned: true, kind: 'return' },
  ]);
  expect(((await loom.artifacts.readJson(outputs.report)) as { labels: unknown }).labels).toEqual([
    { name: 'purchased', distinct: 1, values: [{ value: 1, rows: 9, train: 5, validation: 0, test: 4 }] },
    { name: 'returned', distinct: 2, values: [{ value: false, rows: 8, train: 4, validation: 0, test: 4 }, { value: true, rows: 1, train: 1, validation: 0, test: 0 }] },
    { name: 'kind', distinct: 2, values: [{ value: 'sale', rows: 8, train: 4, validation: 0, test: 4 }, { value: 'return', rows: 1, train: 1, validation: 0, test: 0 }] },
  ]);
});

test('a label with a typo, a name the input already has, an aggregate, or a failing cast is refused, naming the label', async ({ loom }) => {
  await expect(outputsOf(loom, EVENTS, { labels: [{ name: 'big', expression: 'qtty > 1' }] })).rejects.toMatchObject({
    message: 'label 1 (big): "qtty > 1" is not a valid expression here: Binder Error: Referenced column "qtty" not found in FROM clause! Candidate bindings: "qty", "day"',
    retryable: false,
  });
  await expect(outputsOf(loom, EVENTS, { labels: [{ name: 'one', expression: '1' }, { name: 'qty', expression: '1' }] })).rejects.toThrow(
    'label 2 (qty): a column named "qty" already exists; columns are "id", "customer", "day", "qty", "one"',
  );
  await expect(outputsOf(loom, EVENTS, { labels: [{ name: 'one', expression: '1', days: 30 }] })).rejects.toThrow('label 1 (one): "days" applies only to kind "next-window"');
  await expect(outputsOf(loom, EVENTS, { labels: [{ name: 'n', expression: 'count(*)' }] })).rejects.toThrow(
    'label 1 (n): an aggregate gives one value for all rows; a label needs one per row (make it a window: add OVER (...))',
  );
  await expect(outputsOf(loom, EVENTS, { labels: [{ name: 'one', expression: '1' }, { name: 'number', expression: 'CAST(customer AS INTEGER)' }] })).rejects.toThrow(
    "label 2 (number): Conversion Error: Could not convert string 'a' to INT32 when casting from source column customer",
  );
});

test('next-window: true when the customer buys again within 30 days, false when not, unknown when the data ends first', async ({ loom }) => {
  const soon = { name: 'will_buy', kind: 'next-window', key: 'customer', time: 'day', days: 30, where: 'qty > 0' };
  const outputs = await outputsOf(loom, EVENTS, { labels: [soon], split: { method: 'time', time: 'day', trainUntil: '2012-01-01' } });
  expect(await query(loom, outputs.train, 'SELECT id, will_buy FROM t')).toEqual([
    { id: 1, will_buy: true }, // a buys again on 01-10
    { id: 2, will_buy: false }, // a's next purchase (03-01) is after 02-09
    { id: 3, will_buy: null }, // 03-01 + 30 days is past the end of the data (03-01)
    { id: 4, will_buy: false }, // row 5 is the same day, row 9 is a return (qty < 0), row 6 is after 02-04
    { id: 5, will_buy: false },
    { id: 6, will_buy: null },
    { id: 7, will_buy: null },
    { id: 8, will_buy: null }, // no customer
    { id: 9, will_buy: false }, // 02-20 is one day after 01-20 + 30
  ]);
});

test('next-window without `where` counts every later row; incompleteWindow "false" assumes nothing comes after the data', async ({ loom }) => {
  const soon = { name: 'back', kind: 'next-window', key: 'customer', time: 'day', days: 30, incompleteWindow: 'false' };
  const outputs = await outputsOf(loom, EVENTS, { labels: [soon], split: { method: 'time', time: 'day', trainUntil: '2012-01-01' } });
  const labels = (await query(loom, outputs.train, 'SELECT id, back FROM t')).map((r) => [r.id, r.back]);
  expect(labels).toEqual([[1, true], [2, false], [3, false], [4, true], [5, true], [6, false], [7, false], [8, null], [9, false]]);
});

test('an empty input gives three empty splits with the input columns and the labels, and a report of zeros', async ({ loom }) => {
  const empty = `SELECT * FROM (${EVENTS}) WHERE false`;
  for (const split of [{}, { method: 'time', time: 'day', trainUntil: '2011-02-01' }, { method: 'leave-last-n', entity: 'customer', time: 'day' }, { method: 'stratified', stratifyBy: 'customer' }]) {
    const outputs = await outputsOf(loom, empty, { labels: [{ name: 'purchased', expression: '1' }], split });
    for (const name of SPLITS) {
      expect(outputs[name].meta).toMatchObject({ rows: 0, columns: [{ name: 'id' }, { name: 'customer' }, { name: 'day' }, { name: 'qty' }, { name: 'purchased', type: 'INTEGER' }] });
    }
    expect(await loom.artifacts.readJson(outputs.report)).toMatchObject({
      rows: { input: 0, train: 0, validation: 0, test: 0 },
      labels: [{ name: 'purchased', distinct: 0, values: [] }],
    });
  }
});

const TWENTY = 'SELECT range::INTEGER AS id, range % 4 AS shop FROM range(20)';

test('random: exact counts per fraction, every row in exactly one split, pinned ids for a seed', async ({ loom }) => {
  const outputs = await outputsOf(loom, TWENTY, { split: { method: 'random', seed: 7 } });
  const ids = await idsBySplit(loom, outputs);
  // Pinned: rows rank by md5("7:r:<position>") read as a little-endian 128-bit number, on every machine and DuckDB
  // version (checked against node:crypto); ranks 16-17 are validation, 18-19 test.
  expect(ids).toEqual({ train: [1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18], validation: [2, 19], test: [0, 14] });
  expect([ids.train!.length, ids.validation!.length, ids.test!.length]).toEqual([16, 2, 2]);
  expect([...ids.train!, ...ids.validation!, ...ids.test!].sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
  expect(await loom.artifacts.readJson(outputs.report)).toEqual({
    method: 'random', rows: { input: 20, train: 16, validation: 2, test: 2 }, seed: 7, fractions: { train: 0.8, validation: 0.1, test: 0.1 }, labels: [],
  });
});

test('random: the same seed gives the same bytes on every run; another seed gives another split', async ({ loom }) => {
  const [first, again, other] = [
    await outputsOf(loom, TWENTY, { split: { seed: 7 } }),
    await outputsOf(loom, TWENTY, { split: { seed: 7 } }),
    await outputsOf(loom, TWENTY, { split: { seed: 8 } }),
  ];
  expect(SPLITS.map((s) => again[s].sha256)).toEqual(SPLITS.map((s) => first[s].sha256));
  const [a, b] = [await idsBySplit(loom, first), await idsBySplit(loom, other)];
  expect(b.test).not.toEqual(a.test);
  expect([b.train!.length, b.validation!.length, b.test!.length]).toEqual([16, 2, 2]);
});

test('random by key: all rows of a key land in one split, fractions count keys, and a row with no key is its own unit', async ({ loom }) => {
  const sql = `SELECT range::INTEGER AS id, CASE WHEN range < 18 THEN range % 6 END AS customer FROM range(20)`;
  const outputs = await outputsOf(loom, sql, { split: { method: 'random', seed: 3, key: ['customer'], fractions: { train: 0.5, validation: 0.25, test: 0.25 } } });
  const perSplit = await Promise.all(SPLITS.map((s) => query(loom, outputs[s], 'SELECT DISTINCT coalesce(CAST(customer AS VARCHAR), \'none\') AS c FROM t ORDER BY c')));
  const customers = perSplit.map((rows) => rows.map((r) => r.c));
  expect(customers.flat().filter((c) => c !== 'none').sort()).toEqual(['0', '1', '2', '3', '4', '5']);
  expect(await loom.artifacts.readJson(outputs.report)).toMatchObject({
    rows: { input: 20 },
    key: ['customer'],
    units: { train: 4, validation: 2, test: 2 }, // 6 customers + 2 rows without one = 8 units
    rowsWithoutKey: 2,
  });
});

test('stratified: each stratum keeps the fractions, exactly to the rounded count', async ({ loom }) => {
  const sql = `SELECT range::INTEGER AS id, CASE WHEN range < 20 THEN 'x' WHEN range < 30 THEN 'y' END AS colour FROM range(35)`;
  const outputs = await outputsOf(loom, sql, { split: { method: 'stratified', stratifyBy: 'colour', seed: 1, fractions: { train: 0.6, validation: 0.2, test: 0.2 } } });
  const report = (await loom.artifacts.readJson(outputs.report)) as Record<string, unknown>;
  expect(report.rows).toEqual({ input: 35, train: 21, validation: 7, test: 7 });
  expect(report.strata).toEqual([
    { value: 'x', rows: 20, train: 12, validation: 4, test: 4 },
    { value: 'y', rows: 10, train: 6, validation: 2, test: 2 },
    { value: null, rows: 5, train: 3, validation: 1, test: 1 },
  ]);
  for (const s of SPLITS) {
    const counted = await query(loom, outputs[s], 'SELECT colour AS value, count(*)::DOUBLE AS n FROM t GROUP BY ALL ORDER BY value NULLS LAST');
    expect(counted.map((r) => r.n)).toEqual((report.strata as Record<string, number>[]).map((stratum) => stratum[s]));
  }
});

test('options that do not fit the method, or fractions that do not add up to 1, are refused', async ({ loom }) => {
  await expect(outputsOf(loom, TWENTY, { split: { method: 'random', trainUntil: '2011-09-01' } })).rejects.toThrow(
    'split: "trainUntil" does not apply to method "random", which takes "seed", "fractions", "key"',
  );
  await expect(outputsOf(loom, TWENTY, { split: { fractions: { train: 0.9, validation: 0.1, test: 0.1 } } })).rejects.toThrow(
    'split.fractions: train + validation + test must add up to 1, not 1.1',
  );
  await expect(outputsOf(loom, TWENTY, { split: { method: 'stratified', stratifyBy: 'color' } })).rejects.toThrow(
    'split.stratifyBy: column "color" not found; columns are "id", "shop"',
  );
});

test('what a method needs is checked when the workflow is validated, before it runs', async ({ loom }) => {
  await expect(annotateRows(loom, TWENTY, { split: { method: 'time', time: 'day' } })).rejects.toThrow(
    '/nodes/1/config/split: missing required field "trainUntil" (config of plugin "annotate")',
  );
  await expect(annotateRows(loom, TWENTY, { labels: [{ name: 'soon', kind: 'next-window', key: 'id', days: 3 }] })).rejects.toThrow(
    '/nodes/1/config/labels/0: missing required field "time" (config of plugin "annotate")',
  );
  await expect(annotateRows(loom, TWENTY, { labels: [{ name: 'y' }] })).rejects.toThrow(
    '/nodes/1/config/labels/0: missing required field "expression" (config of plugin "annotate")',
  );
});

const RETAIL = RETAIL_DATA;

test.skipIf(!existsSync(RETAIL))('online retail, by time at 2011-09-01: the split counts match a direct query, and every line is in one split', async ({ loom }) => {
  const csv = `read_csv('${RETAIL}/by-day/*.csv', header = true, all_varchar = true)`;
  const node = await annotateRows(
    loom,
    `SELECT * FROM ${csv}`,
    {
      labels: [{ name: 'will_buy_next_month', kind: 'next-window', key: 'CustomerID', time: 'InvoiceDate', days: 30, where: 'CAST(Quantity AS INTEGER) > 0' }],
      split: { method: 'time', time: 'InvoiceDate', trainUntil: '2011-09-01' },
    },
    [RETAIL],
  );
  expect(node.status).toBe('succeeded');
  const [direct] = await withTestDb(
    loom,
    (db) => db.all(`SELECT count(*)::DOUBLE AS input, count(*) FILTER (WHERE CAST(InvoiceDate AS TIMESTAMP) < TIMESTAMP '2011-09-01')::DOUBLE AS train,
      count(*) FILTER (WHERE CustomerID IS NULL)::DOUBLE AS anonymous FROM ${csv}`),
    [RETAIL],
  );
  const [input, train, anonymous] = [Number(direct!.input), Number(direct!.train), Number(direct!.anonymous)];
  const report = (await loom.artifacts.readJson(node.outputs!.report!)) as { rows: Record<string, number>; labels: { values: { value: unknown; rows: number }[] }[] };
  expect(report.rows).toEqual({ input, train, validation: 0, test: input - train });
  expect(node.outputs!.train!.meta).toMatchObject({ rows: train });
  // Lines without a customer get no label; the rest are true, false, or unknown near the end of the data.
  const counts = Object.fromEntries(report.labels[0]!.values.map((v) => [String(v.value), v.rows]));
  expect(Object.keys(counts).sort()).toEqual(['false', 'null', 'true']);
  expect(counts.null).toBeGreaterThan(anonymous);
  expect(counts.true! + counts.false! + counts.null!).toBe(input);
}, 60_000);
