/**
 * The figures classify reports for a set of probabilities, and the baselines it compares the model with: the
 * prior (every row gets the train base rate) and, when configured, a simple score made into probabilities by a
 * one-feature logistic regression fitted on train (so accuracy, F1 and log loss mean the same as for the model).
 */
import type { JsonObject } from '../../engine/sdk.js';
import { accuracy, f1, logLoss, rocAuc } from '../evaluate/classifier-metrics.js';
import type { Dataset } from '../train/classifiers/dataset.js';
import { fitLogistic } from '../train/classifiers/logistic.js';
import type { FitContext } from '../train/matrix.js';

/** Accuracy and F1 at `threshold`, ROC AUC (null when the labels hold one class) and log loss. */
export function scoreOf(labels: Uint8Array, proba: Float64Array, threshold: number): JsonObject {
  const predicted = Uint8Array.from(proba, (p) => (p >= threshold ? 1 : 0));
  const rate = baseRate(labels);
  const bothClasses = rate > 0 && rate < 1;
  return {
    accuracy: accuracy(labels, predicted),
    f1: f1(labels, predicted),
    rocAuc: bothClasses ? rocAuc(labels, proba) : null,
    logLoss: logLoss(labels, proba),
  };
}

export function baseRate(labels: Uint8Array): number {
  let positives = 0;
  for (const y of labels) positives += y;
  return positives / labels.length;
}

/** The prior's probabilities: the train base rate on every row. */
export function priorProba(train: Uint8Array, n: number): Float64Array {
  return new Float64Array(n).fill(baseRate(train));
}

/** A baseline score calibrated on train: P(y = 1) = σ(a + b·score), fitted by logistic regression. */
export function calibratedBaseline(trainScore: Float64Array, trainLabels: Uint8Array, evalScore: Float64Array, ctx: FitContext): Float64Array {
  const data: Dataset = { features: trainScore, n: trainScore.length, d: 1, names: ['baseline'], labels: trainLabels };
  return fitLogistic(data, {}, ctx).predictProba(evalScore, evalScore.length);
}
