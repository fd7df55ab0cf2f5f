/**
 * The config of featurize: an ordered list of tagged steps, one TypeBox schema per `op`.
 * NOTE: ajv fills in `default`s only outside anyOf branches, so the run fills them in itself (`withDefaults`).
 */
import { Value } from '@sinclair/typebox/value';
import type { TObject } from '@sinclair/typebox';
import { PluginError, Type, type Static } from '../../engine/sdk.js';

const columns = (what: string) => Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true, description: what });
const name = (description: string, fallback: string) => Type.String({ minLength: 1, default: fallback, description });

export const BucketStep = Type.Object(
  {
    op: Type.Literal('bucket'),
    columns: columns('Numeric columns to bucket; each gets a new INTEGER column `<column><suffix>` (NULL stays NULL).'),
    method: Type.Union([Type.Literal('width'), Type.Literal('quantile')], {
      default: 'width',
      description: '`width`: equal-width buckets between the fitted min and max; `quantile`: edges at the fitted quantiles (repeated edges merged).',
    }),
    buckets: Type.Integer({ minimum: 2, maximum: 1000, default: 10, description: 'How many buckets; the bucket is the number of fitted inner edges <= the value (0-based), so values outside the fitted range fall in the first or last bucket.' }),
    suffix: name('Appended to the column name to name the bucket column.', '_bucket'),
  },
  { additionalProperties: false },
);

export const OneHotStep = Type.Object(
  {
    op: Type.Literal('onehot'),
    columns: columns('Columns to encode; each is replaced by one INTEGER 0/1 column `<column>_<category>` per fitted category.'),
    maxCategories: Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'Keep at most this many categories per column, the most frequent (ties by value); other values, unseen values and NULL get all zeros.' }),
    keepOriginal: Type.Boolean({ default: false, description: 'Keep the encoded column beside its indicator columns.' }),
  },
  { additionalProperties: false },
);

export const ScaleStep = Type.Object(
  {
    op: Type.Literal('scale'),
    columns: columns('Numeric columns to scale in place (they become DOUBLE).'),
    method: Type.Union([Type.Literal('zscore'), Type.Literal('minmax')], {
      default: 'zscore',
      description: '`zscore`: (x - mean) / population std; `minmax`: (x - min) / (max - min). A zero spread divides by 1, as scikit-learn does.',
    }),
  },
  { additionalProperties: false },
);

export const TfidfStep = Type.Object(
  {
    op: Type.Literal('tfidf'),
    column: Type.String({ minLength: 1, description: 'The text column (VARCHAR); NULL is an empty document.' }),
    format: Type.Union([Type.Literal('list'), Type.Literal('long')], {
      default: 'list',
      description: '`list`: adds `<output>`, a LIST(STRUCT(term, weight)) sorted by term, to every row; `long`: the step outputs one row per (key, term, weight) with a non-zero weight (needs `key`).',
    }),
    key: Type.Optional(Type.String({ minLength: 1, description: 'The document key column, kept in the `long` format.' })),
    output: Type.Optional(Type.String({ minLength: 1, description: 'Name of the `list` column; default `<column>_tfidf`.' })),
    minTokenLength: Type.Integer({ minimum: 1, maximum: 100, default: 2, description: 'Tokens are runs of letters and digits, lower-cased; shorter ones are dropped.' }),
    stopWords: Type.Union([Type.Literal('english'), Type.Literal('none'), Type.Array(Type.String())], {
      default: 'english',
      description: '`english` (built-in list), `none`, or a list of lower-case words to drop before n-grams are formed.',
    }),
    ngrams: Type.Integer({ minimum: 1, maximum: 5, default: 1, description: 'Terms are the n-grams for n = 1..ngrams of the kept tokens, joined by one space.' }),
    minDf: Type.Number({ minimum: 0, default: 1, description: 'Drop terms in fewer documents: a value < 1 is a fraction of the documents, >= 1 a count.' }),
    maxDf: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Drop terms in more documents: a value < 1 is a fraction of the documents, >= 1 a count. Default: no limit.' })),
    maxFeatures: Type.Optional(Type.Integer({ minimum: 1, description: 'Keep the terms most frequent in the whole corpus (ties by term), after the df filters.' })),
  },
  { additionalProperties: false },
);

export const RfmStep = Type.Object(
  {
    op: Type.Literal('rfm'),
    customer: name('Customer column; rows without one are skipped (and counted).', 'CustomerID'),
    invoice: name('Invoice column: frequency counts distinct invoices.', 'InvoiceNo'),
    date: name('DATE or TIMESTAMP column of the purchase.', 'InvoiceDate'),
    quantity: name('Numeric quantity column.', 'Quantity'),
    price: name('Numeric unit price column; monetary is the sum of quantity * price.', 'UnitPrice'),
    asOf: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'Reference date (YYYY-MM-DD) for recency; default the latest date of `data` plus one day (kept in `fitted`).' })),
  },
  { additionalProperties: false },
);

export const OutliersStep = Type.Object(
  {
    op: Type.Literal('outliers'),
    columns: columns('Numeric columns; a row outside the fitted bounds of any of them is dropped (NULL is never an outlier).'),
    method: Type.Union([Type.Literal('iqr'), Type.Literal('zscore')], {
      default: 'iqr',
      description: '`iqr`: [q1 - t * iqr, q3 + t * iqr]; `zscore`: [mean - t * std, mean + t * std] (population std).',
    }),
    threshold: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'The `t` above; default 1.5 for iqr, 3 for zscore.' })),
    alsoApply: Type.Boolean({ default: false, description: 'Also drop outliers from the `apply` dataset (off by default: serving data needs every row).' }),
  },
  { additionalProperties: false },
);

export const NegativesStep = Type.Object(
  {
    op: Type.Literal('negatives'),
    user: name('User column.', 'CustomerID'),
    item: name('Item column.', 'StockCode'),
    k: Type.Integer({ minimum: 1, maximum: 100, default: 4, description: 'Negatives drawn (with replacement) per distinct positive (user, item).' }),
    seed: Type.Integer({ default: 0, description: 'The same seed draws the same negatives.' }),
    label: name('Name of the label column: 1 for positives, 0 for negatives.', 'label'),
    alsoApply: Type.Boolean({ default: false, description: 'Also sample negatives in the `apply` dataset (from its own items).' }),
  },
  { additionalProperties: false },
);

const STEPS = [BucketStep, OneHotStep, ScaleStep, TfidfStep, RfmStep, OutliersStep, NegativesStep];
const DESCRIPTION = 'a step object whose "op" is "bucket", "onehot", "scale", "tfidf", "rfm", "outliers" or "negatives", with that op\'s fields';

/** A step with every default filled in: what the run works with, and what `fitted` records. */
export const Step = Type.Union(STEPS, { description: DESCRIPTION });

/** The same, as written in a workflow: a field with a default may be left out. */
export const StepConfig = Type.Union(STEPS.map(loosen), { description: DESCRIPTION });

function loosen<T extends TObject>(schema: T): T {
  return { ...schema, required: (schema.required ?? []).filter((key) => !('default' in (schema.properties[key] ?? {}))) };
}

export type Step = Static<typeof Step>;
export type StepOf<O extends Step['op']> = Extract<Step, { op: O }>;

/** The step with its defaults filled in, checked (a step read back from a `fitted` input is checked here too). */
export function withDefaults(step: unknown, where: string): Step {
  const filled = Value.Default(Step, structuredClone(step));
  // TypeBox fills in the defaults of the union branch the value then checks against; none fits: not a step.
  if (!Value.Check(Step, filled)) throw new PluginError(`${where}: ${JSON.stringify(step)} is not ${DESCRIPTION}`, { retryable: false });
  return filled as Step;
}
