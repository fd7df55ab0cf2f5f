/**
 * Seeded synthetic datasets for the tests and for timing: XOR (which no linear model separates) and a
 * nonlinear problem with interactions and thresholds, where boosted trees should beat logistic regression.
 */
import type { FitContext } from '../matrix.js';
import { Rng, sigmoid, type Dataset } from './dataset.js';

/**
 * n points uniform in [−1, 1]^(2 + extra); label 1 when x0·x1 > 0 (the XOR quadrants), flipped with probability
 * `noise`. The extra features are pure noise.
 */
export function xorData(n: number, seed: number, extra = 0, noise = 0): Dataset {
  const d = 2 + extra;
  const rng = new Rng(seed, 101);
  const features = new Float64Array(n * d);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) features[i * d + j] = 2 * rng.next() - 1;
    const y = features[i * d]! * features[i * d + 1]! > 0 ? 1 : 0;
    labels[i] = rng.next() < noise ? 1 - y : y;
  }
  return { features, n, d, names: Array.from({ length: d }, (_, j) => `x${j}`), labels };
}

/**
 * n rows × d ≥ 6 features uniform in [0, 1]; the true log-odds mix a linear part with an interaction, a sine
 * and a step (so trees have structure to find), and labels are drawn from it.
 */
export function nonlinearData(n: number, d: number, seed: number): Dataset {
  const rng = new Rng(seed, 202);
  const features = new Float64Array(n * d);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = features.subarray(i * d, i * d + d);
    for (let j = 0; j < d; j++) x[j] = rng.next();
    const logOdds =
      3 * Math.sin(Math.PI * x[0]! * x[1]!) + 4 * (x[2]! - 0.5) ** 2 * 4 - 2 + (x[3]! > 0.7 ? 2 : -1) + 1.5 * (x[4]! - x[5]!) - 0.5;
    labels[i] = rng.next() < sigmoid(logOdds) ? 1 : 0;
  }
  return { features, n, d, names: Array.from({ length: d }, (_, j) => `f${j}`), labels };
}

/** A context that never aborts and records its progress calls. */
export function testContext(seed = 1, signal: AbortSignal = new AbortController().signal): FitContext & { calls: number[] } {
  const calls: number[] = [];
  return { signal, seed, calls, progress: (fraction) => void calls.push(fraction) };
}

/** A dataset from literal rows (NaN allowed) and labels, for hand-checked tests. */
export function table(rows: readonly (readonly number[])[], labels: readonly number[], weights?: readonly number[]): Dataset {
  const d = rows[0]?.length ?? 0;
  return {
    features: Float64Array.from(rows.flat()),
    n: rows.length,
    d,
    names: Array.from({ length: d }, (_, j) => `x${j}`),
    labels: Uint8Array.from(labels),
    ...(weights === undefined ? {} : { weights: Float64Array.from(weights) }),
  };
}

/** A context whose signal aborts (with `reason`) at the first progress report after `after` reports. */
export function abortingContext(after: number, reason: Error, seed = 1): FitContext {
  const controller = new AbortController();
  let reports = 0;
  return {
    signal: controller.signal,
    seed,
    progress: () => {
      if (++reports > after) controller.abort(reason);
    },
  };
}
