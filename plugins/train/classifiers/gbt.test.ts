import { describe, expect, test } from 'vitest';
import { accuracy, logLoss } from './dataset.js';
import { fitGbt, fitGbtAsync, GbtModel } from './gbt.js';
import { fitLogistic } from './logistic.js';
import { abortingContext, nonlinearData, table, testContext, xorData } from './synthetic.js';

const sigma = (z: number) => 1 / (1 + Math.exp(-z));

describe('gradient-boosted trees', () => {
  // x 1 2 3 4 / y 0 0 1 1. Base rate 1/2 → base score 0, p = 1/2: gradients p − y = ½ ½ −½ −½, hessians ¼.
  // The stump splits at 2.5: left G = 1, H = ½, right G = −1, H = ½; leaf weight −G / (H + λ).
  const data = table([[1], [2], [3], [4]], [0, 0, 1, 1]);
  const stump = { nRounds: 1, maxDepth: 1, minSamplesLeaf: 1, learningRate: 1 };

  test('one round with λ = 0: leaves −2 and +2, so P = σ(∓2)', () => {
    const model = fitGbt(data, { ...stump, lambda: 0 }, testContext());
    expect(model.baseScore).toBe(0);
    expect(model.trees[0]!.threshold[0]).toBe(2.5);
    const p = model.predictProba(Float64Array.of(1, 4), 2);
    expect(p[0]).toBeCloseTo(sigma(-2), 14);
    expect(p[1]).toBeCloseTo(sigma(2), 14);
  });

  test('λ = 1 and learning rate 0.5 shrink the leaves to ±(1 / 1.5) · 0.5', () => {
    const model = fitGbt(data, { ...stump, lambda: 1, learningRate: 0.5 }, testContext());
    expect(model.decisionFunction(Float64Array.of(1, 4), 2)[1]).toBeCloseTo(1 / 3, 14);
  });

  test('starts from the log-odds of the (weighted) base rate', () => {
    expect(fitGbt(table([[1], [1], [1], [1]], [1, 1, 1, 0]), {}, testContext()).baseScore).toBeCloseTo(Math.log(3), 14);
    expect(fitGbt(table([[1], [1]], [1, 0], [3, 1]), {}, testContext()).baseScore).toBeCloseTo(Math.log(3), 14);
  });

  test('solves noisy XOR, and the training loss never rises', () => {
    const model = fitGbt(xorData(2000, 1, 2, 0.05), { nRounds: 60, maxDepth: 3 }, testContext());
    const held = xorData(2000, 2, 2);
    expect(accuracy(held.labels, model.predictProba(held.features, held.n))).toBeGreaterThan(0.92);
    for (let r = 1; r < model.trainLoss.length; r++) expect(model.trainLoss[r]).toBeLessThanOrEqual(model.trainLoss[r - 1]! + 1e-12);
  });

  test('beats logistic regression on held-out log loss when the signal is nonlinear', () => {
    const train = nonlinearData(4000, 10, 1);
    const held = nonlinearData(4000, 10, 2);
    const gbt = logLoss(held.labels, fitGbt(train, { nRounds: 100 }, testContext()).predictProba(held.features, held.n));
    const linear = logLoss(held.labels, fitLogistic(train, {}, testContext()).predictProba(held.features, held.n));
    expect(gbt).toBeLessThan(linear - 0.05);
  });

  test('is deterministic per seed with row and feature subsampling', () => {
    const train = xorData(1000, 3, 4, 0.1);
    const fit = (seed: number) => fitGbt(train, { nRounds: 20, subsample: 0.7, maxFeatures: 3 }, testContext(seed)).toParts().arrays;
    expect(fit(5)).toEqual(fit(5));
    expect(fit(5)).not.toEqual(fit(6));
  });

  test('learns from missingness', () => {
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 400; i++) {
      rows.push([i % 4 === 0 ? NaN : (i % 50) / 50]);
      labels.push(i % 4 === 0 ? 1 : 0);
    }
    const model = fitGbt(table(rows, labels), { nRounds: 30 }, testContext());
    const p = model.predictProba(Float64Array.of(NaN, 0.5), 2);
    expect(p[0]).toBeGreaterThan(0.9);
    expect(p[1]).toBeLessThan(0.1);
  });

  test('round-trips through its parts', () => {
    const train = xorData(500, 4, 1);
    const model = fitGbt(train, { nRounds: 10 }, testContext());
    const copy = GbtModel.fromParts(model.toParts());
    expect(copy.predictProba(train.features, train.n)).toEqual(model.predictProba(train.features, train.n));
    expect(copy.params.nRounds).toBe(10);
  });

  test('an abort between rounds stops the fit with the reason', () => {
    const reason = new Error('cancelled by user');
    expect(() => fitGbt(xorData(500, 1), { nRounds: 100 }, abortingContext(3, reason))).toThrow(reason);
  });

  test('the async fit gives the same model, and a timer that aborts it mid-fit stops it within a round', async () => {
    const data = nonlinearData(2000, 8, 3);
    const sync = fitGbt(data, { nRounds: 20 }, testContext(5));
    const async = await fitGbtAsync(data, { nRounds: 20 }, testContext(5));
    expect([...async.predictProba(data.features, data.n)]).toEqual([...sync.predictProba(data.features, data.n)]);

    const controller = new AbortController();
    const reason = new Error('stop now');
    setTimeout(() => controller.abort(reason), 200);
    const started = Date.now();
    await expect(fitGbtAsync(nonlinearData(20_000, 20, 4), { nRounds: 100_000 }, testContext(1, controller.signal))).rejects.toBe(reason);
    // 100,000 rounds would take many minutes; the bound is loose on purpose (a shared, noisy machine).
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
