/**
 * TF-IDF on a text column, in DuckDB SQL; only the fitted vocabulary passes through JS.
 *
 * 1. Tokenize: lower-case, split on anything but letters and digits, drop tokens shorter than minTokenLength
 *    and stop words, then form the n-grams (n = 1..ngrams) of what is left, joined by one space.
 * 2. Fit: df = documents containing the term (every row is a document; NULL text is an empty one); keep
 *    minDf <= df <= maxDf (a value < 1 is a fraction of the documents, >= 1 a count); then the maxFeatures
 *    terms most frequent in the corpus, ties by term; idf = ln((1 + n) / (1 + df)) + 1, scikit-learn's
 *    smooth idf (as if one more document held every term once, so no idf is ever 0 or infinite).
 * 3. Apply: weight = count in the document * idf, then each document's weights are divided by their L2 norm,
 *    so the cosine similarity of two documents is `sum(a.weight * b.weight)` over a join on term.
 */
import { ident, literal } from '../../engine/data/duckdb.js';
import type { JsonObject } from '../../engine/sdk.js';
import { count, dbl, fail, ROW, type StepImpl, type StepRun } from './common.js';
import type { StepOf } from './steps.js';
import { ENGLISH_STOP_WORDS } from './stopwords.js';

type Tfidf = StepOf<'tfidf'>;

export interface VocabularyEntry {
  term: string;
  df: number;
  idf: number;
}

const WEIGHTS_TYPE = 'STRUCT(term VARCHAR, weight DOUBLE)[]';

function stopWords(step: Tfidf): readonly string[] {
  return step.stopWords === 'english' ? ENGLISH_STOP_WORDS : step.stopWords === 'none' ? [] : step.stopWords;
}

/** SQL for (ROW, term), one row per occurrence of a term in a document of `input`. */
function termsSql(step: Tfidf, input: string): string {
  const stop = stopWords(step);
  const keep = [`length(t) >= ${step.minTokenLength}`];
  if (stop.length > 0) keep.push(`NOT list_contains([${stop.map(literal).join(', ')}]::VARCHAR[], t)`);
  const split = `regexp_split_to_array(lower(coalesce(${ident(step.column)}, '')), '[^\\p{L}\\p{N}]+')`;
  const grams = Array.from({ length: step.ngrams }, (_, k) =>
    k === 0 ? 'toks' : `list_transform(range(1, len(toks) - ${k - 1}), lambda i: array_to_string(toks[i:i + ${k}], ' '))`,
  );
  return `SELECT ${ident(ROW)}, unnest(flatten([${grams.join(', ')}])) AS term
    FROM (SELECT ${ident(ROW)}, list_filter(${split}, lambda t: ${keep.join(' AND ')}) AS toks FROM ${ident(input)})`;
}

async function termCounts(run: StepRun, step: Tfidf, input: string, table: string): Promise<string> {
  await run.db.run(`CREATE TEMP TABLE ${ident(table)} AS SELECT ${ident(ROW)}, term, count(*) AS tf FROM (${termsSql(step, input)}) GROUP BY ALL`);
  return table;
}

export const tfidf: StepImpl<Tfidf> = {
  needs: (step) => [{ column: step.column, kind: 'text' }, ...(step.key ? [{ column: step.key, kind: 'any' as const }] : [])],

  async fit(run, input, step) {
    if (step.format === 'long' && !step.key) fail(`${run.where}: the long format needs a "key" column to name the documents`);
    const documents = await count(run.db, input);
    const bound = (df: number) => (df < 1 ? df * documents : df);
    const tf = await termCounts(run, step, input, `${input}_fit_tf`);
    const rows = await run.db.all(`
      SELECT term, df, ln((1 + ${documents}) / (1 + df)) + 1 AS idf FROM (
        SELECT term, count(*) AS df, sum(tf) AS total FROM ${ident(tf)} GROUP BY term
        HAVING df >= ${bound(step.minDf)}${step.maxDf === undefined ? '' : ` AND df <= ${bound(step.maxDf)}`}
        ORDER BY total DESC, term${step.maxFeatures === undefined ? '' : ` LIMIT ${step.maxFeatures}`}
      ) ORDER BY term`);
    if (rows.length === 0) {
      fail(`${run.where}: the vocabulary is empty: ${documents} documents in "${step.column}" leave no term after the tokenizer and the minDf/maxDf filters`);
    }
    const vocabulary: VocabularyEntry[] = rows.map((r) => ({ term: String(r.term), df: Number(r.df), idf: r.idf as number }));
    return { documents, vocabulary } as unknown as JsonObject;
  },

  async apply(run, input, output, step, fitted) {
    const vocabulary = fitted.vocabulary as unknown as VocabularyEntry[];
    const name = step.output ?? `${step.column}_tfidf`;
    const columns = (await run.db.columns(ident(input))).map((c) => c.name);
    if (step.format === 'list' && columns.includes(name)) fail(`${run.where}: the output column "${name}" already exists; set "output"`);
    const vocab = `${output}_vocab`;
    await run.db.run(`CREATE TEMP TABLE ${ident(vocab)} (term VARCHAR, idf DOUBLE)`);
    for (let i = 0; i < vocabulary.length; i += 500) {
      const values = vocabulary.slice(i, i + 500).map((v) => `(${literal(v.term)}, ${dbl(v.idf)})`);
      await run.db.run(`INSERT INTO ${ident(vocab)} VALUES ${values.join(', ')}`);
    }
    const tf = await termCounts(run, step, input, `${output}_tf`);
    // Sums over a list sorted by term, not a window: the same input always gives the very same doubles.
    const docs = `${output}_docs`;
    await run.db.run(`CREATE TEMP TABLE ${ident(docs)} AS
      SELECT ${ident(ROW)}, list_transform(l, lambda e: struct_pack(term := e.term, weight := e.w / sqrt(list_sum(list_transform(l, lambda f: f.w * f.w))))) AS weights
      FROM (SELECT ${ident(ROW)}, list(struct_pack(term := term, w := tf * idf) ORDER BY term) AS l
            FROM ${ident(tf)} JOIN ${ident(vocab)} USING (term) GROUP BY ${ident(ROW)})`);
    const documents = await count(run.db, input);
    const report = { documents, emptyDocuments: documents - (await count(run.db, docs)), vocabulary: vocabulary.length };
    if (step.format === 'list') {
      await run.db.run(`CREATE TABLE ${ident(output)} AS
        SELECT i.*, coalesce(d.weights, []::${WEIGHTS_TYPE}) AS ${ident(name)} FROM ${ident(input)} i LEFT JOIN ${ident(docs)} d USING (${ident(ROW)})`);
      return report;
    }
    await run.db.run(`CREATE TABLE ${ident(output)} AS
      SELECT row_number() OVER (ORDER BY d.${ident(ROW)}, e.term) AS ${ident(ROW)}, i.${ident(step.key!)}, e.term, e.weight
      FROM ${ident(docs)} d JOIN ${ident(input)} i USING (${ident(ROW)}), unnest(d.weights) AS u(e)`);
    return report;
  },
};
