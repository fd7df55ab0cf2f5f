/**
 * Is a candidate model really better than a baseline, or did it get lucky on these users? A paired bootstrap
 * over users answers with an interval on the mean per-user difference, and `gate` turns that into a promotion
 * decision with a sentence a reviewer can read.
 *
 * The pairing matters: both models are scored on the same users, and resampling users (not models separately)
 * keeps each user's two scores together, which cancels most of the user-to-user variance.
 */
import { PluginError } from '../../engine/sdk.js';
import { mulberry32 } from '../train/algorithms/common.js';

// The project's one seeded PRNG; re-exported because the bootstrap's seeds are documented in its terms.
export { mulberry32 };

export interface BootstrapOptions {
  /** Number of resamples B; 1000 by default. */
  readonly resamples?: number;
  /** 0.95 by default: the interval runs from the 2.5th to the 97.5th percentile of the resampled means. */
  readonly confidence?: number;
  readonly seed?: number;
  /** Checked between resamples; when aborted, the bootstrap throws `signal.reason`. */
  readonly signal?: AbortSignal;
}

export interface PairedBootstrap {
  /** Mean over users of candidate − baseline, on the original (not resampled) users. */
  readonly meanDelta: number;
  /** Percentile interval on the mean difference. */
  readonly lower: number;
  readonly upper: number;
  readonly confidence: number;
  readonly resamples: number;
  readonly users: number;
  readonly seed: number;
}

function invalid(message: string): PluginError {
  return new PluginError(message, { retryable: false });
}

/** Linear interpolation between order statistics (numpy's default percentile, "type 7"). */
function percentile(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Paired bootstrap interval on mean(candidate − baseline), where both arrays hold one metric value per user,
 * for the same users in the same order (e.g. `perUser.ndcg` of two `evaluateRankings` reports).
 *
 * @example pairedBootstrap(cand.perUser.ndcg, base.perUser.ndcg, { seed: 7 }) // { meanDelta, lower, upper, … }
 */
export function pairedBootstrap(
  candidate: ArrayLike<number>,
  baseline: ArrayLike<number>,
  options: BootstrapOptions = {},
): PairedBootstrap {
  const { resamples = 1000, confidence = 0.95, seed = 0, signal } = options;
  const n = candidate.length;
  if (baseline.length !== n) {
    throw invalid(`bootstrap: candidate has ${n} users but baseline has ${baseline.length}; they must be the same users`);
  }
  if (n === 0) throw invalid('bootstrap: no users to resample');
  if (!Number.isInteger(resamples) || resamples < 1) throw invalid(`bootstrap: resamples must be a positive integer, got ${resamples}`);
  if (!(confidence > 0 && confidence < 1)) throw invalid(`bootstrap: confidence must lie strictly between 0 and 1, got ${confidence}`);
  // 1. Per-user differences, and their mean on the users as observed.
  const delta = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const d = candidate[i]! - baseline[i]!;
    if (!Number.isFinite(d)) throw invalid(`bootstrap: user ${i} has a non-finite difference (${candidate[i]} − ${baseline[i]})`);
    delta[i] = d;
    total += d;
  }
  // 2. B resamples of n users drawn with replacement; each gives one mean difference.
  const random = mulberry32(seed);
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    if (signal?.aborted) throw signal.reason;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += delta[Math.floor(random() * n)]!;
    means[b] = sum / n;
  }
  // 3. The percentile interval: cut (1 − confidence) / 2 off each tail of the sorted means.
  means.sort();
  const tail = (1 - confidence) / 2;
  return {
    meanDelta: total / n,
    lower: percentile(means, tail),
    upper: percentile(means, 1 - tail),
    confidence,
    resamples,
    users: n,
    seed,
  };
}

/** When a candidate may replace a baseline: a minimum mean gain, and optionally an interval clear of zero. */
export interface GateRule {
  /** How the metric reads in the sentence, e.g. "NDCG@10". */
  readonly metric: string;
  /** The baseline's name, e.g. "TopPop". */
  readonly baseline: string;
  /** The mean difference must be at least this (0 allows "no worse on average"). */
  readonly minDelta: number;
  /** Also require the lower end of the interval to be above zero. */
  readonly requireIntervalAboveZero: boolean;
}

export interface GateVerdict {
  readonly pass: boolean;
  readonly reason: string;
}

/** Four decimals, without a "-0.0000" for tiny negatives. */
function fmt(x: number): string {
  const text = x.toFixed(4);
  return text === '-0.0000' ? '0.0000' : text;
}

/**
 * Applies a gate rule to a paired bootstrap result.
 *
 * @example gate({ metric: 'NDCG@10', baseline: 'TopPop', minDelta: 0.01, requireIntervalAboveZero: true }, result)
 * // { pass: false, reason: 'fails: NDCG@10 is 0.0020 above TopPop (mean over 812 users, 95% CI -0.0010 to 0.0050),
 * //   but the mean gain is under the required 0.0100 and the interval does not lie above zero' }
 */
export function gate(rule: GateRule, result: PairedBootstrap): GateVerdict {
  // 1. Describe what was measured.
  const direction = result.meanDelta < 0 ? 'below' : 'above';
  const ci = `${Math.round(result.confidence * 1000) / 10}% CI ${fmt(result.lower)} to ${fmt(result.upper)}`;
  const measured =
    `${rule.metric} is ${fmt(Math.abs(result.meanDelta))} ${direction} ${rule.baseline} ` +
    `(mean over ${result.users} users, ${ci})`;
  // 2. Check each condition and keep the ones that failed.
  const failures: string[] = [];
  if (!(result.meanDelta >= rule.minDelta)) failures.push(`the mean gain is under the required ${fmt(rule.minDelta)}`);
  if (rule.requireIntervalAboveZero && !(result.lower > 0)) failures.push('the interval does not lie above zero');
  // 3. One sentence either way.
  if (failures.length === 0) {
    const met = `the mean gain meets the required ${fmt(rule.minDelta)}`;
    const also = rule.requireIntervalAboveZero ? ' and the interval lies above zero' : '';
    return { pass: true, reason: `passes: ${measured}; ${met}${also}` };
  }
  return { pass: false, reason: `fails: ${measured}, but ${failures.join(' and ')}` };
}
