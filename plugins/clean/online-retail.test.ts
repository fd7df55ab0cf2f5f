/**
 * The real-data check: a typical cleaning of the Online Retail invoice lines (271 daily CSV files), with every
 * count checked against the same question asked of the raw files directly in DuckDB.
 */
import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import { cleanTest, query, runClean, withTestDb } from './testing.js';
import { RETAIL_DAYS } from '../../test/fixtures/retail-data.js';

const test = cleanTest();
const DATA = RETAIL_DAYS;
const COLUMNS =
  "{'InvoiceNo': 'VARCHAR', 'StockCode': 'VARCHAR', 'Description': 'VARCHAR', 'Quantity': 'INTEGER', " +
  "'InvoiceDate': 'TIMESTAMP', 'UnitPrice': 'DOUBLE', 'CustomerID': 'DOUBLE', 'Country': 'VARCHAR'}";
// Explicit columns: sniffing 271 files one by one takes seconds, and a later file could disagree with the first.
const RAW = `SELECT * FROM read_csv('${DATA}/*.csv', header = true, auto_detect = false, columns = ${COLUMNS})`;
// The codes the data's README lists as not products.
const NOT_PRODUCTS = ['POST', 'DOT', 'M', 'C2', 'D', 'S', 'BANK CHARGES', 'AMAZONFEE', 'CRUK'];
const NOT_PRODUCT = `StockCode IN (${NOT_PRODUCTS.map((c) => `'${c}'`).join(', ')}) OR starts_with(StockCode, 'gift_0001_') OR starts_with(StockCode, 'DCGS')`;

test.skipIf(!existsSync(DATA))('a typical cleaning of the Online Retail data matches counts taken from the raw files', async ({ loom }) => {
  const { error, report, ref } = await runClean(
    loom,
    RAW,
    [
      { op: 'dropRows', where: "InvoiceNo LIKE 'C%'" },
      { op: 'dropRows', where: 'Quantity <= 0' },
      { op: 'dropRows', where: 'UnitPrice <= 0' },
      { op: 'missing', columns: ['CustomerID'], action: 'dropRow' },
      { op: 'dropRows', where: NOT_PRODUCT },
      { op: 'dedupe' },
      { op: 'cast', columns: { CustomerID: 'BIGINT' } },
    ],
    [DATA],
  );
  expect(error).toBeUndefined();

  // The same filters asked of the raw files in one pass, each counted on what the filters before it left.
  const [expected] = await withTestDb(
    loom,
    (db) =>
      db.all(`
        WITH raw AS (${RAW}),
        flags AS (
          SELECT *, InvoiceNo[1] = 'C' AS cancelled, Quantity <= 0 AS no_quantity, UnitPrice <= 0 AS no_price,
                 CustomerID IS NULL AS no_customer, (${NOT_PRODUCT}) AS not_product FROM raw
        ),
        kept AS (SELECT * EXCLUDE (cancelled, no_quantity, no_price, no_customer, not_product) FROM flags
                 WHERE NOT (cancelled OR no_quantity OR no_price OR no_customer OR not_product))
        SELECT
          (SELECT count(*) FROM raw) AS raw,
          (SELECT count(*) FILTER (WHERE cancelled) FROM flags) AS cancelled,
          (SELECT count(*) FILTER (WHERE NOT cancelled AND no_quantity) FROM flags) AS no_quantity,
          (SELECT count(*) FILTER (WHERE NOT cancelled AND NOT no_quantity AND no_price) FROM flags) AS no_price,
          (SELECT count(*) FILTER (WHERE NOT (cancelled OR no_quantity OR no_price) AND no_customer) FROM flags) AS no_customer,
          (SELECT count(*) FILTER (WHERE NOT (cancelled OR no_quantity OR no_price OR no_customer) AND not_product) FROM flags) AS not_product,
          (SELECT count(*) FROM kept) AS kept,
          (SELECT count(*) FROM (SELECT DISTINCT * FROM kept)) AS distinct_kept,
          (SELECT count(*) FROM (SELECT DISTINCT * FROM raw)) AS distinct_raw,
          (SELECT sum(Quantity)::VARCHAR FROM (SELECT DISTINCT * FROM kept)) AS quantity,
          (SELECT count(DISTINCT CustomerID) FROM kept) AS customers
      `),
    [DATA],
  );
  const n = (key: string) => Number(expected![key]);
  // The README's figures, as a check on this test's own query: 431,673 lines; 316,049 after the first four filters.
  expect([n('raw'), n('cancelled'), n('kept') + n('not_product')]).toEqual([431_673, 7_852, 316_049]);

  const removed = report!.rules.map((r) => r.rowsIn - r.rowsOut);
  expect(removed).toEqual([n('cancelled'), n('no_quantity'), n('no_price'), n('no_customer'), n('not_product'), n('kept') - n('distinct_kept'), 0]);
  expect(report!.rules.map((r) => r.touched)).toEqual([...removed.slice(0, 6), 0]);
  expect(report!.rowsIn).toBe(n('raw'));
  expect(report!.rowsOut).toBe(n('distinct_kept'));
  // The duplicates removed are some of the 3,621 duplicate lines in the whole file.
  expect(removed[5]).toBeGreaterThan(0);
  expect(removed[5]).toBeLessThanOrEqual(n('raw') - n('distinct_raw'));

  const [out] = await query(loom, ref!, `SELECT count(*) AS rows, sum(Quantity)::VARCHAR AS quantity, count(DISTINCT CustomerID) AS customers, typeof(any_value(CustomerID)) AS type FROM t`);
  expect(out).toEqual({ rows: String(n('distinct_kept')), quantity: expected!.quantity, customers: String(n('customers')), type: 'BIGINT' });
});
