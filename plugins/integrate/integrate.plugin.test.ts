import { describe, expect } from 'vitest';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import { loomTest } from '../../test/fixtures/loom.js';
import { pluginContract } from '../../test/plugin-contract.js';
import plugin from './integrate.plugin.js';
import { empty, fixturePlugin, integrate, values } from './testing.js';

pluginContract(asAnyPlugin(plugin));
const test = loomTest([fixturePlugin, asAnyPlugin(plugin)]);

const people = values('id, name, score', [1, "'ann'", 10], [2, "'bob'", 20], [3, "'cy'", 30], ['NULL', "'nokey'", 0]);
const cities = values('id, score, city', [2, 200, "'Oslo'"], [3, 300, "'Rome'"], [4, 400, "'Pisa'"]);

test('an operation of an unknown kind, or missing a field, is rejected before the run, at that field', async ({ loom }) => {
  const cases: [Record<string, unknown>, { pointer: string; message: string }][] = [
    [{ kind: 'merge', on: ['id'] }, { pointer: '/nodes/2/config/operation/kind', message: 'must be one of "join", "union", "aggregate", "catalogue", "interactions", not "merge" (config of plugin "integrate")' }],
    [{ kind: 'join' }, { pointer: '/nodes/2/config/operation', message: 'missing required field "on" (config of plugin "integrate")' }],
  ];
  for (const [operation, problem] of cases) {
    await expect(integrate(loom, operation, people, cities)).rejects.toMatchObject({ problems: [problem] });
  }
});

describe('join', () => {
  test('inner keeps matched keys; the clashing right column gets "_right"; the report names the unmatched keys', async ({ loom }) => {
    const x = await integrate(loom, { kind: 'join', on: ['id'] }, people, cities);
    expect(x.node.status).toBe('succeeded');
    expect(x.columns()).toEqual(['id INTEGER', 'name VARCHAR', 'score INTEGER', 'score_right INTEGER', 'city VARCHAR']);
    expect(await x.rows()).toEqual([
      [2, 'bob', 20, 200, 'Oslo'],
      [3, 'cy', 30, 300, 'Rome'],
    ]);
    expect(await x.report()).toEqual({
      operation: 'join',
      rowsIn: [4, 3],
      rowsOut: 2,
      on: ['id'],
      how: 'inner',
      steps: [
        {
          right: 1,
          rows: { left: 4, right: 3, out: 2 },
          matchedKeys: 2,
          matchedRows: { left: 2, right: 2 },
          unmatched: { left: { rows: 2, keys: 1, sample: ['1'] }, right: { rows: 1, keys: 1, sample: ['4'] } },
          nullKeyRows: { left: 1, right: 0 },
          duplicateKeys: { left: 0, right: 0 },
          extraRowsFromDuplicates: 0,
        },
      ],
    });
  });

  test('left keeps every left row (a NULL key matches nothing); full also keeps right-only rows, keys coalesced', async ({ loom }) => {
    const left = await integrate(loom, { kind: 'join', on: ['id'], how: 'left' }, people, cities);
    expect(await left.rows()).toEqual([
      [1, 'ann', 10, null, null],
      [2, 'bob', 20, 200, 'Oslo'],
      [3, 'cy', 30, 300, 'Rome'],
      [null, 'nokey', 0, null, null],
    ]);
    const full = await integrate(loom, { kind: 'join', on: ['id'], how: 'full' }, people, cities);
    expect(await full.rows()).toEqual([
      [1, 'ann', 10, null, null],
      [2, 'bob', 20, 200, 'Oslo'],
      [3, 'cy', 30, 300, 'Rome'],
      [4, null, null, 400, 'Pisa'],
      [null, 'nokey', 0, null, null],
    ]);
  });

  test('duplicate keys multiply rows, and the report says by how much', async ({ loom }) => {
    const orders = values('k, v', ["'x'", 1], ["'x'", 2], ["'y'", 3]);
    const prices = values('k, w', ["'x'", 10], ["'x'", 20], ["'x'", 30], ["'z'", 0]);
    const x = await integrate(loom, { kind: 'join', on: ['k'] }, orders, prices);
    expect(await x.rows()).toEqual([
      ['x', 1, 10], ['x', 1, 20], ['x', 1, 30],
      ['x', 2, 10], ['x', 2, 20], ['x', 2, 30],
    ]);
    const [step] = ((await x.report()) as { steps: Record<string, unknown>[] }).steps;
    expect(step).toMatchObject({
      rows: { left: 3, right: 4, out: 6 },
      matchedRows: { left: 2, right: 3 },
      duplicateKeys: { left: 1, right: 1 },
      extraRowsFromDuplicates: 4,
      unmatched: { left: { rows: 1, keys: 1, sample: ['y'] }, right: { rows: 1, keys: 1, sample: ['z'] } },
    });
  });

  test('three inputs chain left to right on a composite key; a second clash gets "<suffix>2"', async ({ loom }) => {
    const a = values('day, shop, score', ["'d1'", "'s1'", 1], ["'d1'", "'s2'", 2]);
    const b = values('shop, day, score', ["'s1'", "'d1'", 10], ["'s2'", "'d1'", 20]);
    const c = values('day, shop, score, score_b', ["'d1'", "'s2'", 200, 'true']);
    const x = await integrate(loom, { kind: 'join', on: ['day', 'shop'], suffix: '_b' }, a, b, c);
    expect(x.columns()).toEqual(['day VARCHAR', 'shop VARCHAR', 'score INTEGER', 'score_b INTEGER', 'score_b2 INTEGER', 'score_b_b BOOLEAN']);
    expect(await x.rows()).toEqual([['d1', 's2', 2, 20, 200, true]]);
    const report = (await x.report()) as { steps: { right: number; rows: unknown; unmatched: { left: { sample: unknown } } }[] };
    expect(report.steps.map((s) => [s.right, s.rows, s.unmatched.left.sample])).toEqual([
      [1, { left: 2, right: 2, out: 2 }, []],
      [2, { left: 2, right: 1, out: 1 }, [['d1', 's1']]],
    ]);
  });

  test('an empty right side gives no rows to an inner join and NULLs to a left join', async ({ loom }) => {
    const none = empty('id INTEGER', 'city VARCHAR');
    const inner = await integrate(loom, { kind: 'join', on: ['id'] }, people, none);
    expect(inner.columns()).toEqual(['id INTEGER', 'name VARCHAR', 'score INTEGER', 'city VARCHAR']);
    expect(await inner.rows()).toEqual([]);
    const left = await integrate(loom, { kind: 'join', on: ['id'], how: 'left' }, people, none);
    expect(await left.rows('SELECT id, city FROM t')).toEqual([[1, null], [2, null], [3, null], [null, null]]);
  });

  test('a missing key column fails, naming the input, the column and the columns it has', async ({ loom }) => {
    const x = await integrate(loom, { kind: 'join', on: ['id'] }, people, values('ID, city', [2, "'Oslo'"]));
    expect(x.node.status).toBe('failed');
    expect(x.node.error).toMatchObject({ message: 'join: input 1 has no column "id"; its columns are "ID", "city"', retryable: false });
  });

  test('keys of different kinds (number and text) fail instead of matching by accident', async ({ loom }) => {
    const x = await integrate(loom, { kind: 'join', on: ['id'] }, people, values('id, city', ["'2'", "'Oslo'"]));
    expect(x.node.error?.message).toBe('join: key "id" is INTEGER in input 0 but VARCHAR in input 1; cast one of them first');
  });

  test('one input is not enough to join', async ({ loom }) => {
    const x = await integrate(loom, { kind: 'join', on: ['id'] }, people);
    expect(x.node.error?.message).toBe('join: needs at least 2 inputs wired to "data", got 1');
  });
});

describe('union', () => {
  test('aligns columns by name in order of first appearance, fills missing ones with NULL and widens numbers', async ({ loom }) => {
    const a = values('id, name', [1, "'ann'"], [2, "'bob'"]);
    const b = values('name, id, extra', ["'cy'", '3.5::DOUBLE', 'true']);
    const x = await integrate(loom, { kind: 'union' }, a, b, empty('id BIGINT'));
    expect(x.columns()).toEqual(['id DOUBLE', 'name VARCHAR', 'extra BOOLEAN']);
    expect(await x.rows()).toEqual([[1, 'ann', null], [2, 'bob', null], [3.5, 'cy', true]]);
    expect(await x.report()).toEqual({
      operation: 'union',
      rowsIn: [2, 1, 0],
      rowsOut: 3,
      columns: ['id', 'name', 'extra'],
      filledWithNull: { 0: ['extra'], 1: [], 2: ['name', 'extra'] },
    });
  });

  test('a column that is a number in one input and text in another is an error naming both', async ({ loom }) => {
    const x = await integrate(loom, { kind: 'union' }, values('id', [1]), values('id', ['2.5']), values('id', ["'3'"]));
    expect(x.node.error).toMatchObject({
      message: 'union: column "id" is DECIMAL(11,1) in inputs 0, 1 but VARCHAR in input 2; only numbers widen to a common type, so cast one of them first',
      retryable: false,
    });
  });
});

describe('aggregate', () => {
  const lines = values('g, x, t', ["'a'", 1, 1], ["'a'", 5, 3], ["'a'", 2, 3], ["'b'", 4, 2], ["'b'", 'NULL', 5]);

  test('sum, count, min, max, mean and last per group; last breaks ties on orderBy by the greatest value', async ({ loom }) => {
    const metrics = [
      { fn: 'sum', column: 'x' },
      { fn: 'count' },
      { fn: 'count', column: 'x' },
      { fn: 'min', column: 'x' },
      { fn: 'max', column: 'x', as: 'biggest' },
      { fn: 'mean', column: 'x' },
      { fn: 'last', column: 'x' },
    ];
    const x = await integrate(loom, { kind: 'aggregate', by: ['g'], metrics, orderBy: 't' }, lines);
    expect(x.columns()).toEqual([
      'g VARCHAR', 'sum_x BIGINT', 'count BIGINT', 'count_x BIGINT', 'min_x INTEGER', 'biggest INTEGER', 'mean_x DOUBLE', 'last_x INTEGER',
    ]);
    expect(await x.rows()).toEqual([
      ['a', '8', '3', '3', 1, 5, 8 / 3, 5],
      ['b', '4', '2', '1', 4, 4, 4, null],
    ]);
    expect(await x.report()).toEqual({ operation: 'aggregate', rowsIn: [5], rowsOut: 2, by: ['g'], groups: 2 });
  });

  test('no group columns give one row over everything, even over no rows', async ({ loom }) => {
    const x = await integrate(loom, { kind: 'aggregate', by: [], metrics: [{ fn: 'count' }, { fn: 'sum', column: 'x' }] }, empty('x INTEGER'));
    expect(await x.rows()).toEqual([['0', null]]);
  });

  test('bad metrics fail before anything runs, saying which metric and why', async ({ loom }) => {
    const noOrder = await integrate(loom, { kind: 'aggregate', by: ['g'], metrics: [{ fn: 'last', column: 'x' }] }, lines);
    expect(noOrder.node.error?.message).toBe('aggregate metric 1 (last): "last" needs "orderBy" (the column that says which row is last)');
    const textSum = await integrate(loom, { kind: 'aggregate', by: [], metrics: [{ fn: 'count' }, { fn: 'sum', column: 'g' }] }, lines);
    expect(textSum.node.error?.message).toBe('aggregate metric 2 (sum): column "g" of input 0 is VARCHAR; sum needs a number');
    const clash = await integrate(loom, { kind: 'aggregate', by: ['g'], metrics: [{ fn: 'max', column: 'x', as: 'g' }] }, lines);
    expect(clash.node.error?.message).toBe('aggregate metric 1 (max): output column "g" is already taken; name it with "as"');
    const two = await integrate(loom, { kind: 'aggregate', by: [], metrics: [{ fn: 'count' }] }, lines, lines);
    expect(two.node.error?.message).toBe('aggregate: reads one input, but 2 are wired to "data"; union or join them first');
  });
});

describe('catalogue', () => {
  const sales = values(
    'StockCode, Description, UnitPrice',
    ["'A'", "'RED MUG'", 1.0], ["'A'", "'RED MUG'", 2.0], ["'A'", "'MUG RED'", 3.0], ["'A'", 'NULL', 10.0],
    ["'B'", "'ZEBRA'", 5.0], ["'B'", "'APPLE'", 7.0], ["'B'", "'  '", 1.0],
    ["'C'", 'NULL', 4.0],
    ['NULL', "'ORPHAN'", 1.0],
  );

  test('one row per item: most frequent description (ties: alphabetically first), median price, lines', async ({ loom }) => {
    const x = await integrate(loom, { kind: 'catalogue' }, sales);
    expect(x.columns()).toEqual(['StockCode VARCHAR', 'Description VARCHAR', 'UnitPrice DOUBLE', 'lines BIGINT']);
    expect(await x.rows()).toEqual([
      ['A', 'RED MUG', 2.5, '4'], // prices 1, 2, 3, 10: the mean of the middle two
      ['B', 'APPLE', 5, '3'], // APPLE and ZEBRA once each; the blank one does not count
      ['C', null, 4, '1'],
    ]);
    expect(await x.report()).toEqual({
      operation: 'catalogue',
      rowsIn: [9],
      rowsOut: 3,
      items: 3,
      rowsWithoutItem: 1,
      itemsWithoutDescription: 1,
      itemsWithoutPrice: 0,
    });
  });

  test('column names are configurable, and a missing one is named with the columns there are', async ({ loom }) => {
    const renamed = values('sku, title, price', ["'A'", "'MUG'", 2]);
    const x = await integrate(loom, { kind: 'catalogue', item: 'sku', description: 'title', price: 'price' }, renamed);
    expect(await x.rows()).toEqual([['A', 'MUG', 2, '1']]);
    const bad = await integrate(loom, { kind: 'catalogue', item: 'sku' }, renamed);
    expect(bad.node.error?.message).toBe('catalogue: input 0 has no column "Description"; its columns are "sku", "title", "price"');
  });

  test('an empty input gives an empty catalogue', async ({ loom }) => {
    const x = await integrate(loom, { kind: 'catalogue' }, empty('StockCode VARCHAR', 'Description VARCHAR', 'UnitPrice DOUBLE'));
    expect(x.node.status).toBe('succeeded');
    expect(await x.rows()).toEqual([]);
  });
});

describe('interactions', () => {
  const ts = (t: string) => `TIMESTAMP '${t}'`;
  const lines = values(
    'CustomerID, StockCode, Quantity, InvoiceDate',
    [1, "'A'", 2, ts('2011-01-31 00:00:00')], // age 0 days
    [1, "'A'", 3, ts('2011-01-21 00:00:00')], // 10 days
    [1, "'A'", 1, ts('2011-01-11 00:00:00')], // 20 days
    [1, "'B'", 4, ts('2011-01-26 00:00:00')], // 5 days
    [2, "'A'", 1, ts('2011-01-30 12:00:00')], // half a day
    ['NULL', "'A'", 9, ts('2011-01-30 00:00:00')], // no customer: left out
  );
  /** Weights that are not sums of powers of two may differ from JS in the last bit of a double. */
  const near = (v: number) => expect.closeTo(v, 14);
  const read = "SELECT CustomerID, StockCode, count, quantity, weight, first_time::VARCHAR, last_time::VARCHAR FROM t";

  test('one row per pair with lines, quantity, recency weight from the latest time, first and last time', async ({ loom }) => {
    const x = await integrate(loom, { kind: 'interactions', halfLifeDays: 10 }, lines);
    expect(x.columns()).toEqual([
      'CustomerID INTEGER', 'StockCode VARCHAR', 'count BIGINT', 'quantity BIGINT', 'weight DOUBLE', 'first_time TIMESTAMP', 'last_time TIMESTAMP',
    ]);
    expect(await x.rows(read)).toEqual([
      [1, 'A', '3', '6', 1 + 0.5 + 0.25, '2011-01-11 00:00:00', '2011-01-31 00:00:00'],
      [1, 'B', '1', '4', near(0.5 ** (5 / 10)), '2011-01-26 00:00:00', '2011-01-26 00:00:00'],
      [2, 'A', '1', '1', near(0.5 ** (0.5 / 10)), '2011-01-30 12:00:00', '2011-01-30 12:00:00'],
    ]);
    expect(await x.report()).toEqual({
      operation: 'interactions',
      rowsIn: [6],
      rowsOut: 3,
      pairs: 3,
      linesUsed: 5,
      rowsLeftOut: { total: 1, noUser: 1, noItem: 0, noTime: 0 },
      asOf: '2011-01-31T00:00:00',
      halfLifeDays: 10,
    });
  });

  test('asOf fixes the reference time: ten more days halve every weight', async ({ loom }) => {
    const x = await integrate(loom, { kind: 'interactions', halfLifeDays: 10, asOf: '2011-02-10' }, lines);
    expect(await x.rows('SELECT weight FROM t')).toEqual([[0.875], [near(0.5 ** 1.5)], [near(0.5 ** 1.05)]]);
    const late = await integrate(loom, { kind: 'interactions', asOf: '2011-01-25' }, lines);
    expect(late.node.error?.message).toBe(
      'interactions: 3 lines are after asOf "2011-01-25" (the latest at 2011-01-31 00:00:00); filter them out first or move asOf',
    );
    const bad = await integrate(loom, { kind: 'interactions', asOf: 'yesterday' }, lines);
    expect(bad.node.error?.message).toBe('interactions: asOf "yesterday" is not a time (write e.g. "2011-11-01" or "2011-11-01 12:00:00")');
  });

  test('text times are cast; one that is not a time is an error with an example', async ({ loom }) => {
    const text = values('CustomerID, StockCode, Quantity, InvoiceDate', [1, "'A'", 2, "'2011-01-31 10:00:00'"], [1, "'A'", 1, "'soon'"]);
    const x = await integrate(loom, { kind: 'interactions' }, text);
    expect(x.node.error?.message).toBe('interactions: 1 value of time column "InvoiceDate" is not a time, e.g. "soon"');
  });

  test('an empty input gives no pairs and no reference time', async ({ loom }) => {
    const x = await integrate(loom, { kind: 'interactions' }, empty('CustomerID DOUBLE', 'StockCode VARCHAR', 'Quantity INTEGER', 'InvoiceDate TIMESTAMP'));
    expect(await x.rows()).toEqual([]);
    expect(await x.report()).toMatchObject({ rowsOut: 0, pairs: 0, asOf: null });
  });
});
