/**
 * The integrate plugin's config: one `operation`, a union tagged by `kind`.
 *
 * NOTE: ajv fills in defaults only outside anyOf branches, so every field with a default is optional in the
 * schema and `withDefaults` fills it in from the same schema at run time: the schema stays the one source.
 */
import { Type, type Static, type TSchema } from '../../engine/sdk.js';

const column = (description: string, fallback: string) => Type.Optional(Type.String({ minLength: 1, default: fallback, description }));

export const JoinOperation = Type.Object(
  {
    kind: Type.Literal('join', { description: 'Joins the inputs left to right: ((input 0 ⋈ input 1) ⋈ input 2) ...' }),
    on: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'Key columns, present in every input under these names.' }),
    how: Type.Optional(
      Type.Union([Type.Literal('inner'), Type.Literal('left'), Type.Literal('full')], {
        default: 'inner',
        description: 'inner: rows whose key is on both sides; left: every left row; full: every row of both sides (keys coalesced).',
      }),
    ),
    suffix: Type.Optional(
      Type.String({
        minLength: 1,
        default: '_right',
        description: 'Appended to a right-side column whose name is already taken (then "<suffix>2", "<suffix>3", ... if that is taken too).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const UnionOperation = Type.Object(
  { kind: Type.Literal('union', { description: 'Stacks all inputs, aligning columns by name.' }) },
  {
    additionalProperties: false,
    description:
      'Columns are taken by name in order of first appearance; a column an input lacks is NULL there. A column whose type differs between ' +
      'inputs is widened to the common numeric type (INTEGER with DOUBLE gives DOUBLE); any other difference is an error.',
  },
);

const AGGREGATES = ['sum', 'count', 'min', 'max', 'mean', 'last'] as const;
export type AggregateFn = (typeof AGGREGATES)[number];

export const Metric = Type.Object(
  {
    fn: Type.Union(
      AGGREGATES.map((f) => Type.Literal(f)),
      { description: 'sum, count (non-null values; all rows when column is left out), min, max, mean, or last (the value at the greatest "orderBy").' },
    ),
    column: Type.Optional(Type.String({ minLength: 1, description: 'The column to aggregate; only count may leave it out.' })),
    as: Type.Optional(Type.String({ minLength: 1, description: 'The output column name; "<fn>_<column>" (or "count") when left out.' })),
  },
  { additionalProperties: false },
);

export const AggregateOperation = Type.Object(
  {
    kind: Type.Literal('aggregate', { description: 'Groups the first input and computes metrics per group.' }),
    by: Type.Array(Type.String({ minLength: 1 }), { description: 'Group-by columns; empty for one row over all rows.' }),
    metrics: Type.Array(Metric, { minItems: 1, description: 'What to compute per group, in output order.' }),
    orderBy: Type.Optional(
      Type.String({ minLength: 1, description: 'The column that orders rows for "last"; ties go to the greatest value. Required when a metric is "last".' }),
    ),
  },
  { additionalProperties: false },
);

export const CatalogueOperation = Type.Object(
  {
    kind: Type.Literal('catalogue', {
      description:
        'One row per item: its most frequent description (ties go to the alphabetically first text), the median price and the number of lines.',
    }),
    item: column('The item (product) column.', 'StockCode'),
    description: column('The description column; NULL and blank texts do not count.', 'Description'),
    price: column('The numeric price column; its median over the item\'s lines, as DOUBLE (the mean of the two middle values for an even count).', 'UnitPrice'),
  },
  { additionalProperties: false },
);

export const InteractionsOperation = Type.Object(
  {
    kind: Type.Literal('interactions', {
      description: 'One row per user–item pair: lines, total quantity, recency weight, first and last time.',
    }),
    user: column('The user (customer) column.', 'CustomerID'),
    item: column('The item (product) column.', 'StockCode'),
    quantity: column('The numeric quantity column; summed per pair.', 'Quantity'),
    time: column('The time of each line (TIMESTAMP, DATE, or text DuckDB can cast to TIMESTAMP).', 'InvoiceDate'),
    halfLifeDays: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        default: 30,
        description: 'weight = sum over the pair\'s lines of 0.5^(age_days / halfLifeDays), age_days in fractional days before asOf: a line this many days old counts half.',
      }),
    ),
    asOf: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'The time ages are measured from, e.g. "2011-11-01"; the latest time in the data when left out. Lines after it are an error.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const Operation = Type.Union([JoinOperation, UnionOperation, AggregateOperation, CatalogueOperation, InteractionsOperation], {
  description: 'an operation: {"kind": "join" | "union" | "aggregate" | "catalogue" | "interactions", ...its fields}',
});

export const IntegrateConfig = Type.Object(
  { operation: Operation },
  { additionalProperties: false },
);

export type IntegrateConfig = Static<typeof IntegrateConfig>;
export type Operation = Static<typeof Operation>;
export type Join = Required<Static<typeof JoinOperation>>;
export type Aggregate = Static<typeof AggregateOperation>;
export type Catalogue = Required<Static<typeof CatalogueOperation>>;
export type Interactions = Required<Omit<Static<typeof InteractionsOperation>, 'asOf'>> & { asOf?: string };

const BRANCHES: Record<Operation['kind'], TSchema> = {
  join: JoinOperation,
  union: UnionOperation,
  aggregate: AggregateOperation,
  catalogue: CatalogueOperation,
  interactions: InteractionsOperation,
};

/** The operation with its branch's top-level defaults filled in. */
export function withDefaults<O extends Operation>(operation: O): O {
  const properties = (BRANCHES[operation.kind] as unknown as { properties: Record<string, { default?: unknown }> }).properties;
  const filled: Record<string, unknown> = { ...operation };
  for (const [name, spec] of Object.entries(properties)) {
    if (filled[name] === undefined && spec.default !== undefined) filled[name] = structuredClone(spec.default);
  }
  return filled as O;
}
