import { describe, expect } from 'vitest';
import { asAnyPlugin } from '../../engine/plugin/define.js';
import { loomTest } from '../../test/fixtures/loom.js';
import featurize from './featurize.plugin.js';
import { fixture, rows, runFeaturize, values } from './testing.js';

const test = loomTest([asAnyPlugin(fixture), asAnyPlugin(featurize)]);

const CORPUS = values('doc, text', "(1, 'apple banana')", "(2, 'Apple apple, cherry!')", "(3, 'banana cherry cherry date')");
const PLAIN = { op: 'tfidf', column: 'text', stopWords: 'none', minTokenLength: 1 };

// n = 3; df(apple) = df(banana) = df(cherry) = 2, df(date) = 1; idf = ln((1 + n) / (1 + df)) + 1.
const a = Math.log(4 / 3) + 1;
const b = Math.log(4 / 2) + 1;
const norm3 = Math.sqrt(a * a + (2 * a) ** 2 + b * b);
const EXPECTED = [
  { doc: 1, term: 'apple', weight: 1 / Math.sqrt(2) },
  { doc: 1, term: 'banana', weight: 1 / Math.sqrt(2) },
  { doc: 2, term: 'apple', weight: 2 / Math.sqrt(5) },
  { doc: 2, term: 'cherry', weight: 1 / Math.sqrt(5) },
  { doc: 3, term: 'banana', weight: a / norm3 },
  { doc: 3, term: 'cherry', weight: (2 * a) / norm3 },
  { doc: 3, term: 'date', weight: b / norm3 },
];

function expectWeights(actual: unknown[], expected: typeof EXPECTED): void {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((e, i) => {
    expect(actual[i]).toMatchObject({ doc: e.doc, term: e.term });
    expect((actual[i] as { weight: number }).weight).toBeCloseTo(e.weight, 14);
  });
}

describe('tfidf on a 3-document corpus, against hand-computed weights', () => {
  test('the long format: one (key, term, weight) row per term of a document, L2-normalised', async ({ loom }) => {
    const run = await runFeaturize(loom, { train: CORPUS, steps: [{ ...PLAIN, format: 'long', key: 'doc' }] });
    expect(run.status).toBe('succeeded');
    expect(run.outputs.data!.meta).toMatchObject({ columns: [{ name: 'doc', type: 'INTEGER' }, { name: 'term', type: 'VARCHAR' }, { name: 'weight', type: 'DOUBLE' }] });
    expectWeights(await rows(loom, run.outputs.data!), EXPECTED);
    const fitted = await loom.artifacts.readJson<{ steps: Array<{ fitted: unknown }> }>(run.outputs.fitted!);
    expect(fitted.steps[0]!.fitted).toEqual({
      documents: 3,
      vocabulary: [
        { term: 'apple', df: 2, idf: a },
        { term: 'banana', df: 2, idf: a },
        { term: 'cherry', df: 2, idf: a },
        { term: 'date', df: 1, idf: b },
      ],
    });
  });

  test('cosine similarity is a join on term in DuckDB', async ({ loom }) => {
    const run = await runFeaturize(loom, { train: CORPUS, steps: [{ ...PLAIN, format: 'long', key: 'doc' }] });
    const similar = await rows(loom, run.outputs.data!, `SELECT x.doc AS a, y.doc AS b, sum(x.weight * y.weight) AS cosine
      FROM t x JOIN t y USING (term) WHERE x.doc < y.doc GROUP BY ALL ORDER BY ALL`);
    expect(similar.map((r) => [r.a, r.b])).toEqual([[1, 2], [1, 3], [2, 3]]);
    expect(similar[0]!.cosine).toBeCloseTo(2 / Math.sqrt(10), 14);
    expect(similar[1]!.cosine).toBeCloseTo(a / Math.sqrt(2) / norm3, 14);
    expect(similar[2]!.cosine).toBeCloseTo((2 * a) / Math.sqrt(5) / norm3, 14);
  });

  test('the list format adds a sorted LIST(STRUCT(term, weight)) column; a document with no known term gets []', async ({ loom }) => {
    const run = await runFeaturize(loom, { train: CORPUS, test: values('doc, text', "(9, 'date DATE plum')", '(10, NULL)'), steps: [PLAIN] });
    const listed = await rows(loom, run.outputs.data!, 'SELECT doc, unnest(text_tfidf, recursive := true) FROM t');
    expectWeights(listed, EXPECTED);
    expect(await rows(loom, run.outputs.applied!, 'SELECT doc, text_tfidf FROM t')).toEqual([
      { doc: 9, text_tfidf: [{ term: 'date', weight: 1 }] },
      { doc: 10, text_tfidf: [] },
    ]);
    const report = await loom.artifacts.readJson<Record<string, { steps: unknown[] }>>(run.outputs.report!);
    expect(report.applied!.steps).toEqual([{ step: 'step 1 (tfidf)', documents: 2, emptyDocuments: 1, vocabulary: 4, rows: 2 }]);
  });
});

describe('the vocabulary', () => {
  const vocabulary = async (loom: Parameters<typeof rows>[0], train: string, step: object) => {
    const run = await runFeaturize(loom, { train, steps: [{ op: 'tfidf', column: 'text', ...step }] });
    if (run.status !== 'succeeded') return run.error;
    const fitted = await loom.artifacts.readJson<{ steps: Array<{ fitted: { vocabulary: Array<{ term: string }> } }> }>(run.outputs.fitted!);
    return fitted.steps[0]!.fitted.vocabulary.map((v) => v.term);
  };

  test('tokens: lower-cased runs of letters and digits, short ones and English stop words dropped, then n-grams', async ({ loom }) => {
    const train = values('text', `('The Cat''s hat-trick, 2 CATS! Née')`);
    expect(await vocabulary(loom, train, { ngrams: 2 })).toEqual(['cat', 'cat hat', 'cats', 'cats née', 'hat', 'hat trick', 'née', 'trick', 'trick cats']);
    expect(await vocabulary(loom, train, { stopWords: ['cat', 'cats'], minTokenLength: 3 })).toEqual(['hat', 'née', 'the', 'trick']);
  });

  // df: a 4, b 2, c 1, d 1, e 1; corpus counts: a 4, e 3, b 2, c 1, d 1.
  const FIVE = values('text', "('a b c')", "('a b')", "('a d')", "('a e e e')");
  const common = { stopWords: 'none', minTokenLength: 1 };

  test('minDf and maxDf are fractions of the documents below 1 and counts from 1', async ({ loom }) => {
    expect(await vocabulary(loom, FIVE, { ...common, maxDf: 0.9 })).toEqual(['b', 'c', 'd', 'e']);
    expect(await vocabulary(loom, FIVE, { ...common, minDf: 0.5, maxDf: 3 })).toEqual(['b']);
    expect(await vocabulary(loom, FIVE, { ...common, minDf: 2 })).toEqual(['a', 'b']);
  });

  test('maxFeatures keeps the terms most frequent in the corpus, ties by term', async ({ loom }) => {
    expect(await vocabulary(loom, FIVE, { ...common, maxDf: 1, maxFeatures: 2 })).toEqual(['c', 'e']);
    expect(await vocabulary(loom, FIVE, { ...common, maxFeatures: 3 })).toEqual(['a', 'b', 'e']);
  });

  test('a vocabulary left empty is an error, as is a long format without a key', async ({ loom }) => {
    expect(await vocabulary(loom, FIVE, { ...common, minDf: 5 })).toBe(
      'step 1 (tfidf): the vocabulary is empty: 4 documents in "text" leave no term after the tokenizer and the minDf/maxDf filters',
    );
    expect(await vocabulary(loom, FIVE, { format: 'long' })).toBe('step 1 (tfidf): the long format needs a "key" column to name the documents');
    expect(await vocabulary(loom, values('text', '(1)'), {})).toBe('step 1 (tfidf): column "text" is INTEGER; it must be text (VARCHAR)');
  });
});
