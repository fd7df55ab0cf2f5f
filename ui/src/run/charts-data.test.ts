import { describe, expect, test } from 'vitest';
import { runEvents } from '../api/fixture-events';
import evaluation from './fixtures/evaluate-metrics.json';
import { lossFromMessages, lossFromReport, parseLoss } from './loss';
import { barColumns, metricsChartData } from './metrics';
import { timeline } from './timeline';

describe('training loss', () => {
  test('is read from iALS and boosting progress messages, and nothing else', () => {
    expect(parseLoss('iteration 15: loss 20546.9')).toEqual({ iteration: 15, loss: 20546.9 });
    expect(parseLoss('boosting: round 3 of 50, train log loss 0.4213')).toEqual({ iteration: 3, loss: 0.4213 });
    expect(parseLoss('iteration 2')).toBeUndefined();
    expect(parseLoss('rule 1 (dropRows): 45831 rows in')).toBeUndefined();
  });

  test('one point per iteration, in order, the last message of an iteration winning', () => {
    expect(lossFromMessages(['iteration 1', 'iteration 2: loss 9', 'iteration 1: loss 12', 'iteration 2: loss 8.5e0'])).toEqual([
      { iteration: 1, loss: 12 },
      { iteration: 2, loss: 8.5 },
    ]);
  });

  test("a train report's losses are the whole curve", () => {
    expect(lossFromReport({ params: { losses: [29027.2, 23226.4, 21911.9] } })).toEqual([
      { iteration: 1, loss: 29027.2 },
      { iteration: 2, loss: 23226.4 },
      { iteration: 3, loss: 21911.9 },
    ]);
    expect(lossFromReport({ algorithm: 'ranker' })).toEqual([]);
  });
});

describe('the evaluation chart, from a real evaluate metrics output (recommender.json on the sample)', () => {
  const data = metricsChartData(evaluation)!;

  test('puts the candidate first, then the six baselines', () => {
    expect(data.candidate).toBe('ranker');
    expect(data.models.map((m) => m.name)).toEqual(['ranker', 'TopPop', 'item-kNN', 'iALS', 'content', 're-buy', 're-buy with recency']);
    expect(data).toMatchObject({ k: 10, users: 94, pass: false });
  });

  test('charts the ranking metrics first: NDCG, recall, hit rate, precision', () => {
    expect(data.metrics.slice(0, 4)).toEqual(['ndcg', 'recall', 'hitRate', 'precision']);
    const bars = barColumns(data);
    expect(bars.x).toEqual([0, 1, 2, 3]);
    expect(bars.series[0]).toEqual({ name: 'ranker', values: [evaluation.models[0]!.ndcg, evaluation.models[0]!.recall, evaluation.models[0]!.hitRate, evaluation.models[0]!.precision] });
  });

  test('keeps each comparison with its bootstrap interval and verdict', () => {
    expect(data.comparisons).toHaveLength(6);
    expect(data.comparisons.find((c) => c.baseline === 'iALS')).toMatchObject({ metric: 'ndcg', pass: false });
    const topPop = data.comparisons.find((c) => c.baseline === 'TopPop')!;
    expect(topPop.lower).toBeLessThan(topPop.meanDelta);
    expect(topPop.upper).toBeGreaterThan(topPop.meanDelta);
    expect(topPop.pass).toBe(true);
  });

  test('is undefined for metrics it does not know', () => {
    expect(metricsChartData({ accuracy: 0.9 })).toBeUndefined();
    expect(metricsChartData(null)).toBeUndefined();
  });
});

describe('the run timeline', () => {
  test('has a bar per started node from its first start to its end, cached nodes marked, skipped ones absent', () => {
    const { bars, span } = timeline(runEvents, Date.parse(runEvents[0]!.at) + 3000);
    const byId = Object.fromEntries(bars.map((b) => [b.nodeId, b]));
    expect(bars.map((b) => b.nodeId)).toEqual(['collect', 'stats', 'clean', 'flaky', 'train', 'gate']);
    expect(byId.collect).toMatchObject({ start: 5, end: 400, status: 'succeeded', open: false });
    expect(byId.stats).toMatchObject({ start: 410, end: 410, status: 'cached', cached: true });
    expect(byId.flaky).toMatchObject({ start: 430, end: 1700, status: 'failed', attempts: 2 });
    expect(byId.gate).toMatchObject({ start: 2010, end: 3000, status: 'waiting', open: true });
    expect(span).toBe(3000);
  });
});
