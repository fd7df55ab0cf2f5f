/**
 * The clean plugin's config: an ordered list of rules, each a tagged object `{ "op": ..., ... }`. The rule list
 * is a `oneOf` with a `discriminator` on `op`, so that the editor can offer one form per op.
 *
 * NOTE: ajv leaves `default`s inside a `oneOf` alone (Loom's ajv does not enable `discriminator`), so the
 * defaults below are for the editor and the docs; rules.ts applies the same defaults itself.
 */
import { Type, type Static } from '../../engine/sdk.js';

const columns = (description: string) =>
  Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true, description });

const rule = <const O extends string, P extends Parameters<typeof Type.Object>[0]>(op: O, description: string, properties: P) =>
  Type.Object({ op: Type.Literal(op, { description }), ...properties }, { additionalProperties: false, title: op, description });

const predicate = Type.String({
  minLength: 1,
  description: 'A SQL expression over the columns, e.g. "Quantity <= 0" or "InvoiceNo LIKE \'C%\'".',
});

export const DEFAULT_SALT_ENV = 'LOOM_PII_SALT';

export const DropRows = rule('dropRows', 'Drops the rows where a predicate is true (a NULL result keeps the row).', { where: predicate });
export const KeepRows = rule('keepRows', 'Keeps only the rows where a predicate is true (a NULL result drops the row).', { where: predicate });

export const DropColumns = rule('dropColumns', 'Removes columns.', { columns: columns('The columns to remove.') });

export const Pii = rule('pii', 'Pseudonymises personal data with a keyed hash (HMAC-SHA256, so joins still work) or drops it.', {
  columns: columns('The columns holding personal data.'),
  action: Type.Optional(
    Type.Union([Type.Literal('pseudonymise'), Type.Literal('drop')], {
      default: 'pseudonymise',
      description: '"pseudonymise": replace each value by the hex HMAC-SHA256 of its text, keyed by the salt; "drop": remove the columns.',
    }),
  ),
  saltEnv: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      default: DEFAULT_SALT_ENV,
      description: 'The environment variable holding the secret salt; the salt itself never goes in the workflow file.',
    }),
  ),
});

export const Dedupe = rule('dedupe', 'Removes duplicate rows: exact duplicates, or rows that repeat a key.', {
  by: Type.Optional(columns('The key columns; leave out to remove rows that repeat every column.')),
  keep: Type.Optional(
    Type.Union([Type.Literal('first'), Type.Literal('last')], { default: 'first', description: 'Which row of each group to keep.' }),
  ),
  orderBy: Type.Optional(
    Type.String({ minLength: 1, description: 'The column that decides first and last (ties and NULLs go by file order); file order when left out.' }),
  ),
});

export const Missing = rule('missing', 'Handles missing (NULL) values in columns.', {
  columns: columns('The columns to look at.'),
  action: Type.Union(
    [Type.Literal('dropRow'), Type.Literal('mean'), Type.Literal('median'), Type.Literal('mode'), Type.Literal('constant')],
    {
      description:
        '"dropRow": drop rows with a NULL in any of the columns; "mean"/"median" (numeric columns; rounded for integer columns), ' +
        '"mode" (most frequent value, the smallest on a tie) or "constant": fill the NULLs.',
    },
  ),
  value: Type.Optional(
    Type.Union([Type.String(), Type.Number(), Type.Boolean()], { description: 'The fill value for "constant", cast to each column\'s type.' }),
  ),
});

export const Outliers = rule('outliers', 'Finds anomalous values per numeric column by z-score or IQR, then flags, clips or drops them.', {
  columns: columns('The numeric columns to check, each on its own.'),
  method: Type.Optional(
    Type.Union([Type.Literal('zscore'), Type.Literal('iqr')], {
      default: 'zscore',
      description: '"zscore": outside mean ± threshold × population standard deviation; "iqr": outside [Q1 − threshold × IQR, Q3 + threshold × IQR].',
    }),
  ),
  threshold: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Default 3 for "zscore", 1.5 for "iqr".' })),
  action: Type.Optional(
    Type.Union([Type.Literal('flag'), Type.Literal('clip'), Type.Literal('drop')], {
      default: 'flag',
      description: '"flag": add a boolean column "<column>_outlier"; "clip": move values to the nearest bound; "drop": drop the rows.',
    }),
  ),
});

export const Standardise = rule('standardise', 'Rescales numeric columns to DOUBLE; a constant column becomes 0.', {
  columns: columns('The numeric columns to rescale.'),
  method: Type.Optional(
    Type.Union([Type.Literal('zscore'), Type.Literal('minmax')], {
      default: 'zscore',
      description: '"zscore": (x − mean) / population standard deviation; "minmax": (x − min) / (max − min).',
    }),
  ),
});

export const Cast = rule('cast', 'Changes column types.', {
  columns: Type.Record(Type.String({ minLength: 1 }), Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_ ]*(\\(\\s*\\d+\\s*(,\\s*\\d+\\s*)?\\))?(\\[\\])?$' }), {
    minProperties: 1,
    description: 'Column name to DuckDB type, e.g. { "CustomerID": "BIGINT", "InvoiceDate": "TIMESTAMP" }.',
  }),
  onError: Type.Optional(
    Type.Union([Type.Literal('fail'), Type.Literal('null')], {
      default: 'fail',
      description: '"fail": a value that does not convert fails the node, naming it; "null": it becomes NULL (counted in the report).',
    }),
  ),
});

export const Text = rule('text', 'Tidies text columns.', {
  columns: columns('The text (VARCHAR) columns to tidy.'),
  trim: Type.Optional(Type.Boolean({ default: true, description: 'Remove leading and trailing whitespace.' })),
  collapseWhitespace: Type.Optional(Type.Boolean({ default: false, description: 'Replace each run of whitespace by one space.' })),
  case: Type.Optional(
    Type.Union([Type.Literal('keep'), Type.Literal('upper'), Type.Literal('lower')], { default: 'keep', description: 'Change the letter case.' }),
  ),
});

const RULES = [DropRows, KeepRows, DropColumns, Pii, Dedupe, Missing, Outliers, Standardise, Cast, Text] as const;
export const RULE_OPS = RULES.map((r) => r.properties.op.const);

const RuleUnion = Type.Union([...RULES]);
export type Rule = Static<typeof RuleUnion>;

/** One of the rules, told apart by `op` (a oneOf with a discriminator, for the editor). */
export const RuleSchema = Type.Unsafe<Rule>({
  oneOf: [...RULES],
  discriminator: { propertyName: 'op' },
  description: `one of the rules (an object whose "op" is ${RULE_OPS.join(', ')}, with that op's fields)`,
});

export const CleanConfig = Type.Object(
  {
    rules: Type.Array(RuleSchema, {
      default: [],
      description: 'The cleaning rules, applied in order; each reports the rows it touched. Rule 1 is the first.',
    }),
  },
  { additionalProperties: false },
);
export type CleanConfig = Static<typeof CleanConfig>;
