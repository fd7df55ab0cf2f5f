import { describe, expect, test } from 'vitest';
import { gate, mulberry32, pairedBootstrap, type PairedBootstrap } from './bootstrap.js';

describe('mulberry32', () => {
  test('is deterministic per seed and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const draws = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(draws);
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(mulberry32(43)()).not.toBe(draws[0]);
  });
});

describe('pairedBootstrap', () => {
  test('equal differences collapse the interval onto that difference', () => {
    // Every user gains exactly 0.25, so every resampled mean is 0.25 (exact in binary floating point).
    const exact = pairedBootstrap([1.25, 1.25, 1.25], [1, 1, 1], { seed: 1 });
    expect(exact).toEqual({ meanDelta: 0.25, lower: 0.25, upper: 0.25, confidence: 0.95, resamples: 1000, users: 3, seed: 1 });
  });

  test('two users who differ by 0 and 1: resampled means are 0, 1/2 or 1', () => {
    // A resample of 2 users has mean 0 (prob 1/4), 1/2 (1/2) or 1 (1/4): far more than 2.5 % of the
    // resamples sit at each end, so the 95 % percentile interval is exactly [0, 1].
    const r = pairedBootstrap([0, 1], [0, 0], { seed: 3 });
    expect(r.meanDelta).toBe(0.5);
    expect(r.lower).toBe(0);
    expect(r.upper).toBe(1);
  });

  test('matches the normal approximation on many users', () => {
    // 400 differences alternating 0 and 0.2: mean 0.1, sd 0.1, standard error 0.1 / 20 = 0.005,
    // so the 95 % interval is about 0.1 ± 1.96 · 0.005 = [0.0902, 0.1098].
    const candidate = Array.from({ length: 400 }, (_, i) => (i % 2) * 0.2);
    const r = pairedBootstrap(candidate, new Array<number>(400).fill(0), { seed: 11, resamples: 2000 });
    expect(r.meanDelta).toBeCloseTo(0.1, 12);
    expect(Math.abs(r.lower - 0.0902)).toBeLessThan(0.002);
    expect(Math.abs(r.upper - 0.1098)).toBeLessThan(0.002);
  });

  test('is deterministic per seed', () => {
    const candidate = Array.from({ length: 50 }, (_, i) => ((i * 37) % 11) / 10);
    const baseline = Array.from({ length: 50 }, (_, i) => ((i * 13) % 7) / 10);
    const a = pairedBootstrap(candidate, baseline, { seed: 5 });
    expect(pairedBootstrap(candidate, baseline, { seed: 5 })).toEqual(a);
    expect(pairedBootstrap(candidate, baseline, { seed: 6 }).lower).not.toBe(a.lower);
  });

  test('an aborted signal stops it with the reason', () => {
    const controller = new AbortController();
    const reason = new Error('run cancelled');
    controller.abort(reason);
    expect(() => pairedBootstrap([1, 2], [0, 0], { signal: controller.signal })).toThrow(reason);
  });

  test('bad input is a clear error', () => {
    expect(() => pairedBootstrap([1, 2], [1])).toThrow(
      'bootstrap: candidate has 2 users but baseline has 1; they must be the same users',
    );
    expect(() => pairedBootstrap([], [])).toThrow('bootstrap: no users to resample');
    expect(() => pairedBootstrap([Number.NaN], [0])).toThrow('bootstrap: user 0 has a non-finite difference (NaN − 0)');
  });
});

describe('gate', () => {
  const rule = { metric: 'NDCG@10', baseline: 'TopPop', minDelta: 0.01, requireIntervalAboveZero: true };
  const result = (meanDelta: number, lower: number, upper: number): PairedBootstrap => ({
    meanDelta,
    lower,
    upper,
    confidence: 0.95,
    resamples: 1000,
    users: 812,
    seed: 0,
  });

  test('passes a clear gain', () => {
    expect(gate(rule, result(0.0123, 0.0081, 0.0165))).toEqual({
      pass: true,
      reason:
        'passes: NDCG@10 is 0.0123 above TopPop (mean over 812 users, 95% CI 0.0081 to 0.0165); ' +
        'the mean gain meets the required 0.0100 and the interval lies above zero',
    });
  });

  test('fails an interval that straddles zero, even with a large enough mean', () => {
    expect(gate(rule, result(0.012, -0.001, 0.025))).toEqual({
      pass: false,
      reason:
        'fails: NDCG@10 is 0.0120 above TopPop (mean over 812 users, 95% CI -0.0010 to 0.0250), ' +
        'but the interval does not lie above zero',
    });
  });

  test('names every failed condition, and says "below" for a loss', () => {
    expect(gate(rule, result(-0.002, -0.004, 0.0001)).reason).toBe(
      'fails: NDCG@10 is 0.0020 below TopPop (mean over 812 users, 95% CI -0.0040 to 0.0001), ' +
        'but the mean gain is under the required 0.0100 and the interval does not lie above zero',
    );
  });

  test('without the interval requirement only the mean counts', () => {
    const lenient = { ...rule, minDelta: 0, requireIntervalAboveZero: false };
    expect(gate(lenient, result(0.001, -0.003, 0.005)).pass).toBe(true);
  });

  test('a real bootstrap on a coin-flip difference straddles zero and fails', () => {
    // Half the users gain 0.1, half lose 0.1: mean 0, interval around it.
    const candidate = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 0.1 : -0.1));
    const r = pairedBootstrap(candidate, new Array<number>(200).fill(0), { seed: 9 });
    expect(r.lower).toBeLessThan(0);
    expect(r.upper).toBeGreaterThan(0);
    const verdict = gate({ ...rule, minDelta: 0 }, r);
    expect(verdict.pass).toBe(false);
    expect(verdict.reason).toMatch(/^fails: NDCG@10 is 0\.0000 above TopPop .*, but the interval does not lie above zero$/);
  });
});
