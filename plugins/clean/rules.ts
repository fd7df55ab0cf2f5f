/** The clean rules over rows, columns and text; the numeric ones live in numeric.ts. */
import { createHash } from 'node:crypto';
import { ident } from '../../engine/data/duckdb.js';
import { PluginError, type JsonObject } from '../../engine/sdk.js';
import { missing, outliers, standardise } from './numeric.js';
import { DEFAULT_SALT_ENV, type Rule } from './schema.js';
import { columnList, countWhere, derive, fail, filterRows, need, ROW_SQL, type Outcome, type Step } from './step.js';

type RuleOf<K extends Rule['op']> = Extract<Rule, { op: K }>;

export async function applyRule(step: Step, rule: Rule): Promise<Outcome> {
  switch (rule.op) {
    case 'dropRows':
      return filterBy(step, rule.where, 'drop');
    case 'keepRows':
      return filterBy(step, rule.where, 'keep');
    case 'dropColumns':
      return dropColumns(step, rule.columns);
    case 'pii':
      return pii(step, rule);
    case 'dedupe':
      return dedupe(step, rule);
    case 'missing':
      return missing(step, rule);
    case 'outliers':
      return outliers(step, rule);
    case 'standardise':
      return standardise(step, rule);
    case 'cast':
      return cast(step, rule);
    case 'text':
      return text(step, rule);
  }
}

/** Drops (or keeps) the rows where a user-written predicate is true; NULL counts as false. */
async function filterBy(step: Step, predicate: string, mode: 'drop' | 'keep'): Promise<Outcome> {
  // Checked against the visible columns only, so that DuckDB's suggestions never name the hidden one.
  const visible = `(SELECT * EXCLUDE (${ROW_SQL}) FROM ${step.from})`;
  try {
    await step.db.checkExpression(predicate, visible, step.where);
  } catch (error) {
    throw new PluginError(`${(error as Error).message}; columns are ${columnList(step.columns)}`, { retryable: false });
  }
  const [type] = await step.db.columns(`SELECT (${predicate}) FROM ${visible}`);
  if (type!.type !== 'BOOLEAN') fail(step, `${JSON.stringify(predicate)} is ${type!.type}, not a true/false condition`);
  await filterRows(step, mode === 'keep' ? `(${predicate})` : `NOT coalesce((${predicate}), false)`);
  return { touched: step.rows - (await rowCount(step)) };
}

async function rowCount(step: Step): Promise<number> {
  return Number(await step.db.value(`SELECT count(*) FROM ${step.to}`));
}

async function dropColumns(step: Step, names: readonly string[]): Promise<Outcome> {
  need(step, names);
  if (names.length === step.columns.length) fail(step, `would drop every column (${columnList(step.columns)})`);
  await step.db.run(`CREATE TABLE ${step.to} AS SELECT * EXCLUDE (${names.map(ident).join(', ')}) FROM ${step.from}`);
  return { touched: 0, columnsDropped: [...names] };
}

/**
 * HMAC-SHA256 (RFC 2104) in SQL: H((K ^ opad) || H((K ^ ipad) || m)), with the padded key prepared here, so that
 * DuckDB's sha256() does the per-value work and no value leaves the database.
 */
export function hmacSql(key: string, valueSql: string): string {
  const BLOCK = 64;
  let k = Buffer.from(key, 'utf8');
  if (k.length > BLOCK) k = createHash('sha256').update(k).digest();
  const padded = Buffer.concat([k, Buffer.alloc(BLOCK - k.length)]);
  const inner = Buffer.from(padded.map((b) => b ^ 0x36)).toString('hex');
  const outer = Buffer.from(padded.map((b) => b ^ 0x5c)).toString('hex');
  return `sha256(unhex('${outer}') || unhex(sha256(unhex('${inner}') || encode(${valueSql}))))`;
}

async function pii(step: Step, rule: RuleOf<'pii'>): Promise<Outcome> {
  const found = need(step, rule.columns);
  if ((rule.action ?? 'pseudonymise') === 'drop') return dropColumns(step, rule.columns);
  const env = rule.saltEnv ?? DEFAULT_SALT_ENV;
  const salt = process.env[env];
  if (!salt) fail(step, `the salt environment variable ${env} is not set (or empty); set it to a secret, the same one wherever joined data is pseudonymised`);
  // Values are hashed as their text (CAST to VARCHAR), so the same value hashes alike in any table of that type.
  const replace = new Map(found.map((c) => [c.name, hmacSql(salt, `CAST(${ident(c.name)} AS VARCHAR)`)]));
  const counts = await countWhere(step, Object.fromEntries(found.map((c) => [c.name, `${ident(c.name)} IS NOT NULL`])));
  await derive(step, replace);
  return { touched: counts.rows, columns: perColumn(counts.byColumn, (n) => ({ pseudonymised: n })) };
}

/** Keeps one row per key (every column when no key): the first or last by `orderBy`, then by file order. */
async function dedupe(step: Step, rule: RuleOf<'dedupe'>): Promise<Outcome> {
  const key = rule.by ? need(step, rule.by) : step.columns;
  const dir = (rule.keep ?? 'first') === 'first' ? 'ASC' : 'DESC';
  const order = rule.orderBy ? [`${ident(need(step, [rule.orderBy])[0]!.name)} ${dir} NULLS LAST`] : [];
  order.push(`${ROW_SQL} ${dir}`);
  const partition = key.map((c) => ident(c.name)).join(', ');
  await step.db.run(
    `CREATE TABLE ${step.to} AS SELECT * EXCLUDE (__loom_rank__) FROM (` +
      `SELECT *, row_number() OVER (PARTITION BY ${partition} ORDER BY ${order.join(', ')}) AS __loom_rank__ FROM ${step.from}` +
      `) WHERE __loom_rank__ = 1`,
  );
  return { touched: step.rows - (await rowCount(step)) };
}

async function cast(step: Step, rule: RuleOf<'cast'>): Promise<Outcome> {
  const targets = Object.entries(rule.columns);
  const found = need(step, targets.map(([name]) => name));
  for (const [name, type] of targets) {
    await step.db.run(`SELECT CAST(NULL AS ${type})`).catch((error: Error) => {
      fail(step, `${JSON.stringify(type)} (for column ${JSON.stringify(name)}) is not a DuckDB type: ${error.message.split('\n')[0]}`);
    });
  }
  const failing = (name: string, type: string) => `${ident(name)} IS NOT NULL AND TRY_CAST(${ident(name)} AS ${type}) IS NULL`;
  const counts = await countWhere(step, Object.fromEntries(targets.map(([name, type]) => [name, failing(name, type)])));
  if ((rule.onError ?? 'fail') === 'fail') {
    for (const [name, type] of targets) {
      const failed = counts.byColumn[name]!;
      if (failed === 0) continue;
      const [first] = await step.db.all(
        `SELECT CAST(${ident(name)} AS VARCHAR) AS v, ${ROW_SQL} + 1 AS r FROM ${step.from} WHERE ${failing(name, type)} ORDER BY ${ROW_SQL} LIMIT 1`,
      );
      fail(
        step,
        `column ${JSON.stringify(name)} value ${JSON.stringify(first!.v)} (input row ${String(first!.r)}) cannot be cast to ${type}` +
          `${failed > 1 ? ` (${failed} values cannot)` : ''}; use "onError": "null" to make such values NULL`,
      );
    }
  }
  const fn = (rule.onError ?? 'fail') === 'fail' ? 'CAST' : 'TRY_CAST';
  await derive(step, new Map(targets.map(([name, type]) => [name, `${fn}(${ident(name)} AS ${type})`])));
  const from = Object.fromEntries(found.map((c) => [c.name, c.type]));
  return {
    touched: counts.rows,
    columns: Object.fromEntries(targets.map(([name, type]) => [name, { from: from[name]!, to: type, nulled: counts.byColumn[name]! }])),
  };
}

async function text(step: Step, rule: RuleOf<'text'>): Promise<Outcome> {
  const found = need(step, rule.columns);
  for (const c of found) if (c.type !== 'VARCHAR') fail(step, `text needs VARCHAR columns, but ${JSON.stringify(c.name)} is ${c.type}`);
  const tidy = (sql: string) => {
    // DuckDB's trim() removes spaces only; these regular expressions cover tabs and line breaks too.
    if (rule.collapseWhitespace ?? false) sql = `regexp_replace(${sql}, '\\s+', ' ', 'g')`;
    if (rule.trim ?? true) sql = `regexp_replace(${sql}, '^\\s+|\\s+$', '', 'g')`;
    if (rule.case === 'upper') sql = `upper(${sql})`;
    if (rule.case === 'lower') sql = `lower(${sql})`;
    return sql;
  };
  const replace = new Map(found.map((c) => [c.name, tidy(ident(c.name))]));
  const counts = await countWhere(step, Object.fromEntries(found.map((c) => [c.name, `${replace.get(c.name)} IS DISTINCT FROM ${ident(c.name)}`])));
  await derive(step, replace);
  return { touched: counts.rows, columns: perColumn(counts.byColumn, (n) => ({ changed: n })) };
}

export function perColumn(counts: Record<string, number>, shape: (n: number) => JsonObject): Record<string, JsonObject> {
  return Object.fromEntries(Object.entries(counts).map(([name, n]) => [name, shape(n)]));
}
