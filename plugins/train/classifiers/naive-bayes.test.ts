import { describe, expect, test } from 'vitest';
import { fitNaiveBayes, NaiveBayesModel } from './naive-bayes.js';
import { table, testContext, xorData } from './synthetic.js';

/** log N(x; μ, σ²), written out independently of the model. */
const logNormal = (x: number, mu: number, v: number) => -0.5 * Math.log(2 * Math.PI * v) - (x - mu) ** 2 / (2 * v);

describe('Gaussian naive Bayes', () => {
  // class 0: x = 0, 2 → mean 1, variance 1; class 1: x = 4, 6, 8 → mean 6, variance 8/3.
  // All five: mean 4, variance 8; varSmoothing 0.125 → epsilon = 1, so variances 2 and 11/3; priors 2/5, 3/5.
  const data = table([[0], [2], [4], [6], [8]], [0, 0, 1, 1, 1]);

  test('means, smoothed variances and priors match the hand computation', () => {
    const model = fitNaiveBayes(data, { varSmoothing: 0.125 }, testContext());
    expect([...model.mean]).toEqual([1, 6]);
    expect(model.variance[0]).toBeCloseTo(2, 14);
    expect(model.variance[1]).toBeCloseTo(11 / 3, 14);
    expect([...model.logPrior]).toEqual([Math.log(2 / 5), Math.log(3 / 5)]);
  });

  test('posterior at x = 3 is P(1)·N(3; 6, 11/3) / Σ_c P(c)·N(3; μ_c, σ²_c)', () => {
    const model = fitNaiveBayes(data, { varSmoothing: 0.125 }, testContext());
    const joint0 = (2 / 5) * Math.exp(logNormal(3, 1, 2));
    const joint1 = (3 / 5) * Math.exp(logNormal(3, 6, 11 / 3));
    expect(model.predictProba(Float64Array.of(3), 1)[0]).toBeCloseTo(joint1 / (joint0 + joint1), 14);
  });

  test('stays finite far out in the tails (log space): both tails belong to the wider class 1', () => {
    // Densities there underflow to 0 (e^-1e11), so without log space this would be 0 / 0.
    const model = fitNaiveBayes(data, {}, testContext());
    const p = model.predictProba(Float64Array.of(-1e6, 1e6), 2);
    expect([...p]).toEqual([1, 1]);
  });

  test('NaN: ignored when fitting a class, left out of the likelihood when predicting', () => {
    // Row 6 has x0 missing: class 1 still has mean 6 and variance 8/3 on x0, but its prior becomes 4/6.
    // x1 (0/1 values) has overall variance ≤ 8, so epsilon stays 0.125 × 8 = 1.
    const rows = [[0, 0], [2, 1], [4, 0], [6, 1], [8, 1], [NaN, 1]];
    const model = fitNaiveBayes(table(rows, [0, 0, 1, 1, 1, 1]), { varSmoothing: 0.125 }, testContext());
    expect([model.mean[0], model.mean[2]]).toEqual([1, 6]);
    expect(model.variance[2]).toBeCloseTo(11 / 3, 14);
    const joint0 = (2 / 6) * Math.exp(logNormal(3, 1, 2));
    const joint1 = (4 / 6) * Math.exp(logNormal(3, 6, 11 / 3));
    expect(model.predictProba(Float64Array.of(3, NaN), 1)[0]).toBeCloseTo(joint1 / (joint0 + joint1), 14);
    // With both features missing only the priors are left.
    expect(model.predictProba(Float64Array.of(NaN, NaN), 1)[0]).toBeCloseTo(4 / 6, 14);
  });

  test('weights count as repeated rows', () => {
    const weighted = fitNaiveBayes(table([[0], [2], [4], [6]], [0, 0, 1, 1], [1, 3, 1, 1]), {}, testContext());
    const repeated = fitNaiveBayes(table([[0], [2], [2], [2], [4], [6]], [0, 0, 0, 0, 1, 1]), {}, testContext());
    const x = Float64Array.of(1, 3, 5);
    const a = weighted.predictProba(x, 3);
    const b = repeated.predictProba(x, 3);
    for (let i = 0; i < 3; i++) expect(a[i]).toBeCloseTo(b[i]!, 12);
  });

  test('XOR: no better than chance (each feature alone carries nothing)', () => {
    const train = xorData(2000, 1);
    const test_ = xorData(2000, 2);
    const p = fitNaiveBayes(train, {}, testContext()).predictProba(test_.features, test_.n);
    let hits = 0;
    for (let i = 0; i < test_.n; i++) hits += (p[i]! >= 0.5 ? 1 : 0) === test_.labels[i] ? 1 : 0;
    expect(hits / test_.n).toBeLessThan(0.6);
  });

  test('round-trips through its parts', () => {
    const model = fitNaiveBayes(data, { varSmoothing: 0.125 }, testContext());
    const copy = NaiveBayesModel.fromParts(model.toParts());
    const x = Float64Array.of(-1, 3, 5, NaN);
    expect(copy.predictProba(x, 4)).toEqual(model.predictProba(x, 4));
    expect(() => NaiveBayesModel.fromParts({ params: { varSmoothing: 1 }, arrays: { used: new Int32Array(1) } })).toThrow(
      'model parts: array "logPrior" is missing or not a Float64Array',
    );
  });

  test('an aborted signal stops the fit with its reason', () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    controller.abort(reason);
    expect(() => fitNaiveBayes(data, {}, testContext(1, controller.signal))).toThrow(reason);
  });

  test('rejects a wrong-width prediction input', () => {
    const model = fitNaiveBayes(data, {}, testContext());
    expect(() => model.predictProba(new Float64Array(3), 2)).toThrow('naive Bayes predict: features has 3 values, expected n × d = 2 × 1');
  });
});
