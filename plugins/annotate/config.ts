/**
 * The annotate plugin's config. Options that only some methods or label kinds use carry no schema default: the
 * code fills in the documented default, and refuses an option given to a method it does not apply to, so that a
 * `trainUntil` left on a random split is an error rather than silently ignored. Which options a method needs is
 * checked by `if`/`then` in the schema, so a missing one is reported when the workflow is validated.
 */
import { Type, type Static } from '../../engine/sdk.js';

const NAME = '^[A-Za-z_][A-Za-z0-9_]*$';

const when = (field: string, value: string, required: string[]) => ({
  if: { properties: { [field]: { const: value } }, required: [field] },
  then: { required },
});

export const Label = Type.Object(
  {
    name: Type.String({ pattern: NAME, description: 'The new column. It must not exist in the input nor repeat another label.' }),
    kind: Type.Union([Type.Literal('expression'), Type.Literal('next-window')], {
      default: 'expression',
      description:
        '"expression": the value of `expression` on each row. "next-window": true when the same `key` has a row (matching `where`) in the `days` after this row\'s `time`, false when it has none, NULL when that is not known.',
    }),
    expression: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'kind "expression": a DuckDB SQL expression over the row, e.g. `1`, `Quantity > 0`, or a window expression. It may use labels defined before it.',
      }),
    ),
    key: Type.Optional(Type.String({ minLength: 1, description: 'kind "next-window": the column naming the entity (e.g. CustomerID).' })),
    time: Type.Optional(Type.String({ minLength: 1, description: 'kind "next-window": a DATE, TIMESTAMP, or text column that reads as one.' })),
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 36_500, description: 'kind "next-window": the look-ahead: rows with time in (t, t + days] count.' })),
    where: Type.Optional(
      Type.String({ minLength: 1, description: 'kind "next-window": which later rows count, as a SQL predicate (e.g. `Quantity > 0`); default: every row.' }),
    ),
    incompleteWindow: Type.Optional(
      Type.Union([Type.Literal('null'), Type.Literal('false')], {
        description:
          'kind "next-window": the label of a row with no later row whose window runs past the last time in the data. "null" (the default): unknown; "false": assume none will come.',
      }),
    ),
  },
  { additionalProperties: false, ...when('kind', 'next-window', ['key', 'time', 'days']), else: { required: ['expression'] } },
);

const Fraction = (what: string) => Type.Number({ minimum: 0, maximum: 1, description: `The share of ${what}.` });

export const Split = Type.Object(
  {
    method: Type.Union([Type.Literal('random'), Type.Literal('time'), Type.Literal('leave-last-n'), Type.Literal('stratified')], {
      default: 'random',
      description:
        '"random": seeded shuffle cut by `fractions`. "time": by `time` against `trainUntil`/`validationUntil`. "leave-last-n": per `entity`, its last `n` rows by `time` are test. "stratified": a seeded shuffle cut by `fractions` within each value of `stratifyBy`.',
    }),
    seed: Type.Optional(Type.Integer({ description: 'random, stratified: the seed (default 0). The same seed and the same rows give the same split on every machine.' })),
    fractions: Type.Optional(
      Type.Object(
        { train: Fraction('train'), validation: Fraction('validation'), test: Fraction('test') },
        { additionalProperties: false, description: 'random, stratified: shares that add up to 1 (default 0.8, 0.1, 0.1). Counts are rounded per stratum.' },
      ),
    ),
    key: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        minItems: 1,
        description:
          'random: columns naming a unit (e.g. CustomerID): all rows of a unit land in one split, and fractions count units. A row with a NULL in the key is its own unit. Default: each row by its position.',
      }),
    ),
    stratifyBy: Type.Optional(Type.String({ minLength: 1, description: 'stratified: the column whose values keep their proportions in every split (NULL is a stratum).' })),
    time: Type.Optional(Type.String({ minLength: 1, description: 'time, leave-last-n: a DATE, TIMESTAMP, or text column that reads as one; no NULLs.' })),
    trainUntil: Type.Optional(Type.String({ minLength: 1, description: 'time: rows before this date or time are train, e.g. "2011-09-01"; or "latest-30d": the last 30 calendar days of the data are not (for scheduled retraining as data arrives).' })),
    validationUntil: Type.Optional(
      Type.String({ minLength: 1, description: 'time: rows from `trainUntil` up to (not including) this are validation, the rest test. Default: no validation.' }),
    ),
    entity: Type.Optional(Type.String({ minLength: 1, description: 'leave-last-n: the column naming the entity (e.g. CustomerID); no NULLs.' })),
    n: Type.Optional(Type.Integer({ minimum: 1, description: 'leave-last-n: the last rows per entity that go to test (default 1).' })),
    validationN: Type.Optional(Type.Integer({ minimum: 0, description: 'leave-last-n: the rows before those that go to validation (default 0).' })),
    minTrainRows: Type.Optional(
      Type.Integer({ minimum: 0, description: 'leave-last-n: an entity with fewer than n + validationN + this rows keeps all its rows in train (default 1).' }),
    ),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'How rows are split into train, validation and test.',
    allOf: [when('method', 'time', ['time', 'trainUntil']), when('method', 'leave-last-n', ['entity', 'time']), when('method', 'stratified', ['stratifyBy'])],
  },
);

export const Config = Type.Object(
  {
    labels: Type.Array(Label, { default: [], description: 'Label columns to add, in order; each may use those before it.' }),
    split: Split,
  },
  { additionalProperties: false },
);

export type LabelConfig = Static<typeof Label>;
export type SplitConfig = Static<typeof Split>;
export type AnnotateConfig = Static<typeof Config>;

/** The options each method may be given (besides `method`). */
export const SPLIT_OPTIONS: Record<SplitConfig['method'], readonly (keyof SplitConfig)[]> = {
  random: ['seed', 'fractions', 'key'],
  stratified: ['seed', 'fractions', 'stratifyBy'],
  time: ['time', 'trainUntil', 'validationUntil'],
  'leave-last-n': ['entity', 'time', 'n', 'validationN', 'minTrainRows'],
};

export const NEXT_WINDOW_OPTIONS = ['key', 'time', 'days', 'where', 'incompleteWindow'] as const;
