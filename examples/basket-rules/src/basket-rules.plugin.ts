/**
 * Basket rules: which products are bought together. From invoice lines it finds the item pairs that share
 * invoices and turns each frequent pair into two rules, "who buys A also buys B" and back, with the usual
 * measures over the N invoices kept:
 *   support(A→B)    = invoices with A and B / N
 *   confidence(A→B) = invoices with A and B / invoices with A
 *   lift(A→B)       = confidence(A→B) / (invoices with B / N)   (above 1: bought together more than by chance)
 * The counting runs in Loom's data plane (DuckDB), so millions of lines never become JS objects.
 */
import { ident, withDb, type Db } from 'loom/data';
import { definePlugin, PluginError, Type, type Static } from 'loom/sdk';

const Config = Type.Object(
  {
    invoiceColumn: Type.String({ default: 'InvoiceNo', description: 'The column that groups lines into baskets (an invoice or order id).' }),
    itemColumn: Type.String({ default: 'StockCode', description: 'The column that names the product on a line.' }),
    descriptionColumn: Type.Union([Type.String(), Type.Null()], {
      default: 'Description',
      description: 'A column with a readable product name, added to the rules (its most frequent value per item); null for none.',
    }),
    where: Type.Union([Type.String(), Type.Null()], {
      default: null,
      description: "A SQL condition on the lines to use, e.g. \"Quantity > 0 AND NOT starts_with(InvoiceNo, 'C')\"; null uses every line.",
    }),
    minSupport: Type.Number({ minimum: 0, maximum: 1, default: 0.01, description: 'The least share of invoices a pair must appear in (0.01 = 1%).' }),
    minConfidence: Type.Number({ minimum: 0, maximum: 1, default: 0.2, description: 'The least share of the invoices with the first item that also hold the second.' }),
    minLift: Type.Number({ minimum: 0, default: 1, description: 'The least lift; 1 keeps only pairs bought together more often than by chance.' }),
    maxInvoiceItems: Type.Integer({
      minimum: 2,
      default: 100,
      description: 'Invoices with more distinct items are left out (counted in the report): a wholesale order of 500 items says little about baskets and costs 125,000 pairs.',
    }),
    topN: Type.Integer({ minimum: 1, default: 100, description: 'How many rules to keep, the best first.' }),
    sortBy: Type.Union([Type.Literal('lift'), Type.Literal('confidence'), Type.Literal('support')], { default: 'lift', description: 'What "best" means.' }),
  },
  { additionalProperties: false },
);

type BasketConfig = Static<typeof Config>;

async function checkColumns(db: Db, config: BasketConfig): Promise<void> {
  const columns = (await db.columns('input')).map((c) => c.name);
  for (const field of ['invoiceColumn', 'itemColumn', 'descriptionColumn'] as const) {
    const column = config[field];
    if (column !== null && !columns.includes(column)) {
      throw new PluginError(`${field}: column "${column}" not found; columns are ${columns.join(', ')}`, { retryable: false });
    }
  }
  if (config.where !== null) await db.checkExpression(config.where, 'input', 'where');
}

const count = async (db: Db, sql: string) => Number(await db.value(sql));

export default definePlugin({
  name: 'basket-rules',
  version: '1.0.0',
  title: 'Basket rules',
  description: 'Association rules from invoice lines: item pairs bought together, with support, confidence and lift.',
  category: 'analyse',
  inputs: { lines: { type: 'dataset', title: 'Invoice lines', description: 'One row per line: an invoice id and an item, at least.' } },
  outputs: {
    rules: {
      type: 'dataset',
      title: 'Rules',
      description: 'antecedent, consequent (and their descriptions), invoices (with both), support, confidence, lift; the best first.',
    },
    report: { type: 'json', title: 'Report', description: 'Lines and invoices read, used and left out; items, frequent pairs and rules found.' },
  },
  config: Config,
  async run(ctx) {
    const config = ctx.config;
    return withDb(ctx, async (db) => {
      // 1. Baskets: the distinct items of each invoice, from the lines that pass `where`.
      await db.load('input', ctx.inputs.lines);
      await checkColumns(db, config);
      const invoice = `CAST(${ident(config.invoiceColumn)} AS VARCHAR)`;
      const item = `CAST(${ident(config.itemColumn)} AS VARCHAR)`;
      const where = config.where === null ? 'TRUE' : `(${config.where})`;
      await db.run(`CREATE TEMP TABLE used AS SELECT ${invoice} AS invoice, ${item} AS item${config.descriptionColumn === null ? '' : `, CAST(${ident(config.descriptionColumn)} AS VARCHAR) AS description`}
        FROM input WHERE ${where} AND ${invoice} IS NOT NULL AND ${item} IS NOT NULL`);
      await db.run('CREATE TEMP TABLE baskets AS SELECT DISTINCT invoice, item FROM used');
      // 2. Leave out invoices too big to be baskets.
      await db.run(`CREATE TEMP TABLE kept AS SELECT * FROM baskets WHERE invoice IN
        (SELECT invoice FROM baskets GROUP BY invoice HAVING count(*) <= ${config.maxInvoiceItems})`);
      const invoices = await count(db, 'SELECT count(DISTINCT invoice) FROM kept');
      ctx.progress(0.3, `${invoices} invoices`);
      // 3. A pair can only be frequent if both its items are: count items first, then pairs of frequent items.
      const minInvoices = Math.max(1, Math.ceil(config.minSupport * invoices - 1e-9));
      await db.run(`CREATE TEMP TABLE items AS SELECT item, count(*) AS n FROM kept GROUP BY item`);
      await db.run(`CREATE TEMP TABLE frequent AS SELECT * FROM kept WHERE item IN (SELECT item FROM items WHERE n >= ${minInvoices})`);
      await db.run(`CREATE TEMP TABLE pairs AS SELECT a.item AS x, b.item AS y, count(*) AS n
        FROM frequent a JOIN frequent b ON a.invoice = b.invoice AND a.item < b.item
        GROUP BY ALL HAVING count(*) >= ${minInvoices}`);
      ctx.progress(0.7, 'pairs counted');
      // 4. Each pair gives a rule in each direction; keep those above the thresholds, the best first.
      const order = { lift: 'lift DESC, confidence DESC', confidence: 'confidence DESC, lift DESC', support: 'support DESC, lift DESC' }[config.sortBy];
      await db.run(`CREATE TEMP TABLE rules AS
        WITH directed AS (SELECT x AS antecedent, y AS consequent, n FROM pairs UNION ALL SELECT y, x, n FROM pairs)
        SELECT d.antecedent, d.consequent, CAST(d.n AS INTEGER) AS invoices,
          d.n / ${invoices}::DOUBLE AS support,
          d.n / a.n::DOUBLE AS confidence,
          (d.n / a.n::DOUBLE) / (c.n / ${invoices}::DOUBLE) AS lift
        FROM directed d JOIN items a ON a.item = d.antecedent JOIN items c ON c.item = d.consequent
        WHERE d.n / a.n::DOUBLE >= ${config.minConfidence} AND (d.n / a.n::DOUBLE) / (c.n / ${invoices}::DOUBLE) >= ${config.minLift}`);
      const described =
        config.descriptionColumn === null
          ? 'SELECT * FROM rules'
          : `WITH names AS (SELECT item, first(description ORDER BY n DESC, description) AS name
               FROM (SELECT item, description, count(*) AS n FROM used WHERE description IS NOT NULL GROUP BY ALL) GROUP BY item)
             SELECT r.antecedent, na.name AS antecedentDescription, r.consequent, nc.name AS consequentDescription, r.invoices, r.support, r.confidence, r.lift
             FROM rules r LEFT JOIN names na ON na.item = r.antecedent LEFT JOIN names nc ON nc.item = r.consequent`;
      const rules = await db.writeDataset(`SELECT * FROM (${described}) ORDER BY ${order}, antecedent, consequent LIMIT ${config.topN}`);
      const report = {
        linesRead: await count(db, 'SELECT count(*) FROM input'),
        linesUsed: await count(db, 'SELECT count(*) FROM used'),
        invoices,
        invoicesLeftOut: await count(db, `SELECT count(DISTINCT invoice) FROM baskets WHERE invoice NOT IN (SELECT invoice FROM kept)`),
        items: await count(db, 'SELECT count(*) FROM items'),
        minInvoices,
        frequentPairs: await count(db, 'SELECT count(*) FROM pairs'),
        rulesFound: await count(db, 'SELECT count(*) FROM rules'),
        rulesKept: Number(rules.meta?.rows),
        where: config.where,
      };
      ctx.log.info(`${report.rulesKept} of ${report.rulesFound} rules from ${report.frequentPairs} frequent pairs in ${invoices} invoices`);
      return { rules, report: await ctx.artifacts.putJson('json', report) };
    });
  },
});
