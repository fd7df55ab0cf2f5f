/**
 * The recommender builders on the real Online Retail data (see /work/shared/data/online-retail/README.md),
 * checked against direct queries over the same cleaned lines. Skipped when the data is not there.
 */
import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import { workflow } from '../../test/builder.js';
import { loomTest, runDoc } from '../../test/fixtures/loom.js';
import { pluginContract } from '../../test/plugin-contract.js';
import plugin from './integrate.plugin.js';
import { fixturePlugin, readRows } from './testing.js';
import { RETAIL_DATA } from '../../test/fixtures/retail-data.js';

pluginContract(asAnyPlugin(plugin));
const test = loomTest([fixturePlugin, asAnyPlugin(plugin)]);

const ROOT = RETAIL_DATA;
const TYPES = `{'InvoiceNo': 'VARCHAR', 'StockCode': 'VARCHAR', 'Description': 'VARCHAR', 'Quantity': 'INTEGER',
  'InvoiceDate': 'TIMESTAMP', 'UnitPrice': 'DOUBLE', 'CustomerID': 'DOUBLE', 'Country': 'VARCHAR'}`;
// Valid purchase lines, as the README counts them: no cancellations, positive quantity and price, a customer.
const CLEAN_LINES = `
  SELECT InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CAST(CustomerID AS BIGINT) AS CustomerID
  FROM read_csv('${ROOT}/by-day/*.csv', header = true, columns = ${TYPES})
  WHERE NOT starts_with(InvoiceNo, 'C') AND Quantity > 0 AND UnitPrice > 0 AND CustomerID IS NOT NULL`;

test.skipIf(!existsSync(`${ROOT}/by-day`))('catalogue and interactions over the Online Retail lines agree with direct queries', async ({ loom }) => {
  const doc = workflow()
    .node('lines', 'fixture', { config: { sql: CLEAN_LINES, readRoots: [ROOT] } })
    .node('catalogue', 'integrate', { config: { operation: { kind: 'catalogue' } }, inputs: { data: ['lines.data'] } })
    .node('interactions', 'integrate', { config: { operation: { kind: 'interactions', halfLifeDays: 30 } }, inputs: { data: ['lines.data'] } })
    .build();
  const state = await runDoc(loom, doc);
  const [lines, catalogue, interactions] = ['lines', 'catalogue', 'interactions'].map((id) => state.nodes[id]!.outputs!.data!);
  const direct = (sql: string) => readRows(loom, lines!, sql);

  const [lineCount, pairs, items] = (await direct('SELECT count(*), count(DISTINCT (CustomerID, StockCode)), count(DISTINCT StockCode) FROM t'))[0]!;
  expect([lineCount, pairs, items]).toEqual(['316049', '221384', '3613']); // the README's own figures
  expect(interactions!.meta?.rows).toBe(Number(pairs));
  expect(catalogue!.meta?.rows).toBe(Number(items));
  expect(await readRows(loom, interactions!, 'SELECT sum(count) FROM t')).toEqual([[lineCount]]);

  // One pair by hand: the first customer of the first file and the first item they bought.
  const pair = `CustomerID = 17850 AND StockCode = '85123A'`;
  expect(await readRows(loom, interactions!, `SELECT count, quantity, first_time::VARCHAR, last_time::VARCHAR FROM t WHERE ${pair}`)).toEqual(
    await direct(`SELECT count(*), sum(Quantity), min(InvoiceDate)::VARCHAR, max(InvoiceDate)::VARCHAR FROM t WHERE ${pair}`),
  );
  // Weights lie in (0, count]: the latest line in the data counts 1, older ones less.
  expect(await readRows(loom, interactions!, 'SELECT count(*) FROM t WHERE weight <= 0 OR weight > count')).toEqual([['0']]);

  // An item's description is its most frequent one, ties to the smallest text; its price the median.
  const expected = await direct(`
    SELECT StockCode, (SELECT Description FROM t d WHERE d.StockCode = i.StockCode AND trim(Description) <> ''
                       GROUP BY Description ORDER BY count(*) DESC, Description LIMIT 1), median(UnitPrice), count(*)
    FROM t i WHERE StockCode IN ('85123A', '22423', '47566') GROUP BY StockCode ORDER BY StockCode`);
  expect(await readRows(loom, catalogue!, `SELECT * FROM t WHERE StockCode IN ('85123A', '22423', '47566') ORDER BY StockCode`)).toEqual(expected);
  expect(await loom.artifacts.readJson(state.nodes.interactions!.outputs!.report!)).toMatchObject({
    rowsIn: [Number(lineCount)],
    pairs: Number(pairs),
    rowsLeftOut: { total: 0 },
  });
});
