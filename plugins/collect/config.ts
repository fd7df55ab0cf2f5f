/** collect's config schema, and the checks the schema alone cannot make (which source, which mode, type names). */
import { PluginError, Type, type Static } from '../../engine/sdk.js';

const text = (description: string) => Type.String({ minLength: 1, description });

export const collectConfig = Type.Object(
  {
    path: Type.Optional(text('Files to read: a path or glob (`*`, `?`, `**` across folders, `[abc]`, `{a,b}`), relative to the workflow folder. Only files under the data roots (the workflow folder and LOOM_DATA_ROOTS) may be read.')),
    url: Type.Optional(text('Read one CSV or JSON (lines or an array of objects) document from an http(s) URL instead of files.')),
    headers: Type.Record(Type.String(), Type.String(), { default: {}, description: 'HTTP request headers sent with `url`, e.g. {"Authorization": "Bearer ..."}.' }),
    timeoutMs: Type.Integer({ minimum: 1, maximum: 3_600_000, default: 60_000, description: 'How long to wait for `url` to answer in full.' }),
    sqlite: Type.Optional(
      Type.Object(
        {
          database: text('The SQLite file, relative to the workflow folder; it must be under the data roots. Opened read-only.'),
          query: text('A SELECT whose result becomes the dataset.'),
        },
        { additionalProperties: false, description: 'Read the result of a query on a SQLite file instead of files.' },
      ),
    ),
    format: Type.Union([Type.Literal('auto'), Type.Literal('csv'), Type.Literal('json'), Type.Literal('parquet')], {
      default: 'auto',
      description: 'csv, json (JSON lines, or one array of objects) or parquet; `auto` goes by the file extension (.csv .tsv .txt, .jsonl .ndjson .json, .parquet), or by Content-Type for a URL.',
    }),
    header: Type.Optional(Type.Boolean({ description: 'Whether CSV files start with a header line. Inferred when left out.' })),
    delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 4, description: 'The CSV field delimiter, e.g. ";" or "\\t". Inferred when left out.' })),
    quote: Type.Optional(Type.String({ maxLength: 1, description: 'The CSV quote character. Inferred when left out (usually `"`).' })),
    columns: Type.Record(Type.String(), Type.String(), {
      default: {},
      description: 'Types for some columns, by name, as DuckDB types, e.g. {"CustomerID": "VARCHAR"}; the other columns get the narrowest type that fits all their values. A value that does not convert makes its line a reject.',
    }),
    filenameColumn: Type.Optional(text('Adds a column with the file each row came from (its path below the glob\'s fixed folders, e.g. "2011-01-04.csv").')),
    incremental: Type.Union([Type.Literal('none'), Type.Literal('files'), Type.Literal('watermark')], {
      default: 'none',
      description: '`none` reads everything every run; `files` reads only files this node has not collected before (or that changed since); `watermark` takes only rows whose `watermarkColumn` is above the highest value taken before.',
    }),
    watermarkColumn: Type.Optional(text('The column for `incremental: "watermark"`, e.g. a timestamp or an increasing id.')),
    accumulate: Type.Boolean({
      default: false,
      description:
        'With `incremental` "files" or "watermark": the output is the previous output plus the new rows (matched by column name), so a run reads only what is new but what comes after sees everything collected so far. Nothing new gives the very same dataset as last time (everything downstream comes from the cache); a changed file replaces its earlier rows.',
    }),
    changeDetection: Type.Union([Type.Literal('stat'), Type.Literal('hash')], {
      default: 'stat',
      description: 'How `incremental: "files"` tells a changed file: by size and modification time (`stat`), or by a SHA-256 of its content (`hash`, reads every file).',
    }),
  },
  { additionalProperties: false },
);

export type CollectConfig = Static<typeof collectConfig>;
export type Source = 'files' | 'http' | 'sqlite';

// A DuckDB type name: spliced into SQL, so only names, sizes and list brackets (no quotes, no semicolons).
const TYPE_NAME = /^[A-Za-z][A-Za-z0-9_ ]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?(\[\])?$/;

/** The one source the config names, after the checks a JSON Schema cannot express. */
export function checkConfig(config: CollectConfig): Source {
  const given = [config.path && 'files', config.url && 'http', config.sqlite && 'sqlite'].filter((s): s is Source => Boolean(s));
  if (given.length !== 1) {
    throw new PluginError(`give exactly one source: "path" (files), "url" or "sqlite"; ${given.length === 0 ? 'none is set' : `got ${given.join(' and ')}`}`, { retryable: false });
  }
  const source = given[0]!;
  if (config.incremental === 'files' && source !== 'files') throw new PluginError(`incremental "files" needs "path"; for a ${source} source use incremental "watermark"`, { retryable: false });
  if (config.incremental === 'watermark' && !config.watermarkColumn) throw new PluginError('incremental "watermark" needs "watermarkColumn"', { retryable: false });
  if (config.accumulate && config.incremental === 'none') throw new PluginError('"accumulate" needs incremental "files" or "watermark" (with incremental "none" every run reads everything anyway)', { retryable: false });
  if (config.watermarkColumn && config.incremental !== 'watermark') throw new PluginError('"watermarkColumn" is set but incremental is not "watermark"', { retryable: false });
  for (const [column, type] of Object.entries(config.columns)) {
    if (!TYPE_NAME.test(type)) throw new PluginError(`columns: ${JSON.stringify(column)} has type ${JSON.stringify(type)}, which is not a DuckDB type name (e.g. VARCHAR, BIGINT, DOUBLE, DATE, TIMESTAMP, DECIMAL(10,2))`, { retryable: false });
  }
  return source;
}
