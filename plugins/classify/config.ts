/**
 * The classify plugin's config. `model` names one base classifier or an ensemble of them; `snapshot`, when
 * given, makes the plugin build its own per-entity tables from event lines (features as of a date, a label from
 * the window after it) instead of reading ready-made ones.
 */
import { Type, type Static } from '../../engine/sdk.js';
import { baseKinds } from '../train/classifiers/registry.js';

const NAME = '^[A-Za-z_][A-Za-z0-9_]*$';
const DATE = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';

export const ENSEMBLE_KINDS = ['stacking', 'voting'] as const;

const Member = Type.Object(
  {
    kind: Type.Union(
      baseKinds.map((k) => Type.Literal(k)),
      { description: 'A base classifier: naive-bayes, logistic, tree, forest or gbt.' },
    ),
    params: Type.Record(Type.String(), Type.Unknown(), {
      default: {},
      description: 'Its settings (unknown names are an error), e.g. forest {nTrees, maxDepth, maxFeatures}, gbt {nRounds, learningRate, maxDepth, subsample}, logistic {lambda}.',
    }),
  },
  { additionalProperties: false },
);

export const DEFAULT_MEMBERS = [
  { kind: 'gbt', params: {} },
  { kind: 'forest', params: {} },
  { kind: 'logistic', params: {} },
  { kind: 'naive-bayes', params: {} },
];

const Model = Type.Object(
  {
    kind: Type.Union(
      [...ENSEMBLE_KINDS, ...baseKinds].map((k) => Type.Literal(k)),
      {
        default: 'stacking',
        description:
          '"stacking": a logistic regression over the members\' out-of-fold log-odds; "voting": a weighted mean of their probabilities; or one base classifier alone.',
      },
    ),
    members: Type.Array(Member, {
      minItems: 1,
      default: DEFAULT_MEMBERS,
      description: 'stacking, voting: the base classifiers to combine (default gbt, forest, logistic, naive-bayes). Ignored by a single classifier.',
    }),
    params: Type.Record(Type.String(), Type.Unknown(), {
      default: {},
      description: 'A single classifier: its settings. stacking: folds (5), metaLambda (1e-3). voting: weights (one per member).',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Which classifier, or combination of classifiers, to fit.' },
);

const Snapshot = Type.Object(
  {
    entity: Type.String({ minLength: 1, default: 'CustomerID', description: 'The column naming the entity one row is built for (it becomes the id).' }),
    time: Type.String({ minLength: 1, default: 'InvoiceDate', description: 'The DATE or TIMESTAMP of each line.' }),
    cutoff: Type.String({ pattern: DATE, description: 'The test as-of date (YYYY-MM-DD): features from lines before it, the label from the `horizonDays` from it.' }),
    horizonDays: Type.Integer({ minimum: 1, maximum: 3650, default: 30, description: 'The label window: [as-of, as-of + horizonDays).' }),
    trainOffsetDays: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3650,
        description: 'The train table is built as of cutoff − this many days (default horizonDays, so that its label window ends at the cutoff); at least horizonDays.',
      }),
    ),
    features: Type.Record(Type.String({ pattern: NAME }), Type.String({ minLength: 1 }), {
      minProperties: 1,
      description:
        'Feature name → an aggregate SQL expression over the entity\'s lines before the as-of date, which is the TIMESTAMP column `as_of`; e.g. ' +
        '"date_diff(\'day\', max(InvoiceDate), max(as_of))", "count(DISTINCT InvoiceNo)", "count(*) FILTER (WHERE InvoiceDate >= as_of - INTERVAL 30 DAY)".',
    }),
    label: Type.String({
      minLength: 1,
      default: 'count(*) > 0',
      description: 'An aggregate SQL predicate over the entity\'s lines in the label window (an entity with none there is false); default: it has any line.',
    }),
  },
  {
    additionalProperties: false,
    description: 'Build the tables from event lines wired to `train`: one row per entity with a line before the as-of date. Leave `test` unwired.',
  },
);

export const ClassifyConfig = Type.Object(
  {
    label: Type.String({ minLength: 1, default: 'label', description: 'The label column: 0/1 numbers or booleans, no NULLs, both classes in train.' }),
    features: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        minItems: 1,
        uniqueItems: true,
        description: 'Numeric (or boolean, read as 0/1) feature columns, in this order; default: every numeric and boolean column except the label and the id.',
      }),
    ),
    id: Type.Optional(Type.String({ minLength: 1, description: 'A column that names each row (kept out of the features, written with the predictions).' })),
    model: Model,
    seed: Type.Integer({ default: 0, description: 'Seeds every random choice (folds, bootstraps, feature draws): the same seed and data give the same model.' }),
    threshold: Type.Number({ minimum: 0, maximum: 1, default: 0.5, description: 'A row is predicted positive when its probability is at least this (accuracy and F1 use it).' }),
    baseline: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'A simple score to compare with, as a SQL expression over a row (not the label), e.g. "lines_30d > 0"; a one-feature logistic regression on train turns it into probabilities. The prior (the train base rate) is always compared.',
      }),
    ),
    name: Type.Optional(Type.String({ minLength: 1, description: 'The model\'s name in its lineage (default: the node id).' })),
    snapshot: Type.Optional(Snapshot),
  },
  { additionalProperties: false },
);

export type ClassifyConfig = Static<typeof ClassifyConfig>;
export type ModelConfig = ClassifyConfig['model'];
export type SnapshotConfig = Static<typeof Snapshot>;
