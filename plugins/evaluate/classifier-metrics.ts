/**
 * Metrics for the secondary, customer-level classifiers (e.g. "will this customer buy next month?").
 * Labels are 0/1 with 1 the positive class. Each function checks its inputs and follows scikit-learn's
 * definitions; where conventions differ (zero division, ties, clipping), its doc comment says which it uses.
 */
import { PluginError } from '../../engine/sdk.js';

function invalid(message: string): PluginError {
  return new PluginError(message, { retryable: false });
}

function checkPaired(name: string, actual: ArrayLike<number>, other: ArrayLike<number>, otherName: string): void {
  if (actual.length !== other.length) {
    throw invalid(`${name}: ${actual.length} labels but ${other.length} ${otherName}`);
  }
  if (actual.length === 0) throw invalid(`${name}: no examples`);
}

function checkBinary(name: string, labels: ArrayLike<number>, what: string): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw invalid(`${name}: ${what} ${i} is ${y}; expected 0 or 1`);
  }
}

/**
 * The fraction of predictions equal to the label (any class values, not only 0/1).
 *
 * @example accuracy([1, 0, 1, 1], [1, 1, 1, 0]) // 0.5
 */
export function accuracy(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkPaired('accuracy', actual, predicted, 'predictions');
  let right = 0;
  for (let i = 0; i < actual.length; i++) if (actual[i] === predicted[i]) right++;
  return right / actual.length;
}

/**
 * Binary F1 of the positive class 1: 2·TP / (2·TP + FP + FN). With no positive label and no positive
 * prediction the ratio is 0/0; it is 0 then, as scikit-learn's default `zero_division` gives.
 *
 * @example f1([1, 0, 1, 1], [1, 1, 1, 0]) // TP 2, FP 1, FN 1 → 4/6
 */
export function f1(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkPaired('f1', actual, predicted, 'predictions');
  checkBinary('f1', actual, 'label');
  checkBinary('f1', predicted, 'prediction');
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < actual.length; i++) {
    if (predicted[i] === 1) {
      if (actual[i] === 1) tp++;
      else fp++;
    } else if (actual[i] === 1) fn++;
  }
  const denominator = 2 * tp + fp + fn;
  return denominator === 0 ? 0 : (2 * tp) / denominator;
}

/**
 * ROC AUC: the probability that a random positive scores above a random negative, ties counting one half.
 * Computed as the Mann-Whitney U statistic with tied scores given their average rank, in O(n log n).
 * Needs at least one example of each class.
 *
 * @example rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) // 0.75
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkPaired('rocAuc', labels, scores, 'scores');
  checkBinary('rocAuc', labels, 'label');
  const n = labels.length;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw invalid(`rocAuc: score ${i} is NaN`);
  }
  // 1. Order the examples by score.
  // NOTE: compare, do not subtract: Infinity − Infinity is NaN and would break the sort.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    const sa = scores[a]!;
    const sb = scores[b]!;
    return sa < sb ? -1 : sa > sb ? 1 : 0;
  });
  // 2. Sum the ranks of the positives; a run of equal scores shares the average of its 1-based ranks.
  let positives = 0;
  let positiveRanks = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]!] === scores[order[start]!]) end++;
    const averageRank = (start + 1 + end) / 2;
    for (let j = start; j < end; j++) {
      if (labels[order[j]!] === 1) {
        positives++;
        positiveRanks += averageRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) {
    throw invalid(`rocAuc: needs both classes, got ${positives} positive and ${negatives} negative labels`);
  }
  // 3. U = (rank sum of positives) − (its minimum, P(P+1)/2); AUC = U / (P·N).
  return (positiveRanks - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Mean binary cross-entropy, −[y·ln p + (1−y)·ln(1−p)], with p clipped to [eps, 1 − eps] so that a confident
 * mistake costs −ln(eps) (≈ 34.5 for the default 1e-15, scikit-learn's former default) instead of infinity.
 *
 * @example logLoss([1, 0], [0.8, 0.4]) // (−ln 0.8 − ln 0.6) / 2
 */
export function logLoss(labels: ArrayLike<number>, probabilities: ArrayLike<number>, eps = 1e-15): number {
  checkPaired('logLoss', labels, probabilities, 'probabilities');
  checkBinary('logLoss', labels, 'label');
  if (!(eps > 0 && eps < 0.5)) throw invalid(`logLoss: eps must lie in (0, 0.5), got ${eps}`);
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const raw = probabilities[i]!;
    if (!(raw >= 0 && raw <= 1)) throw invalid(`logLoss: probability ${i} is ${raw}; expected a value in [0, 1]`);
    const p = Math.min(Math.max(raw, eps), 1 - eps);
    total -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return total / labels.length;
}
