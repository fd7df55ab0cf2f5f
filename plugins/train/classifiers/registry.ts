/**
 * The base classifiers by name, so that an ensemble (or a train node) can fit one from a plain spec and load
 * one back from a model file's parts. Ensembles themselves are in stacking.ts, which uses this table.
 */
import type { FitContext } from '../matrix.js';
import { classifierError, type Classifier, type Dataset, type ModelParts } from './dataset.js';
import { fitForest, ForestModel, type ForestParams } from './forest.js';
import { fitGbt, GbtModel, type GbtParams } from './gbt.js';
import { fitLogistic, LogisticModel, type LogisticParams } from './logistic.js';
import { fitNaiveBayes, NaiveBayesModel, type NaiveBayesParams } from './naive-bayes.js';
import { fitTree, TreeModel, type TreeParams } from './tree.js';

/** A base classifier to fit: its kind and (partial) params. */
export type BaseSpec =
  | { readonly kind: 'naive-bayes'; readonly params?: Partial<NaiveBayesParams> }
  | { readonly kind: 'logistic'; readonly params?: Partial<LogisticParams> }
  | { readonly kind: 'tree'; readonly params?: Partial<TreeParams> }
  | { readonly kind: 'forest'; readonly params?: Partial<ForestParams> }
  | { readonly kind: 'gbt'; readonly params?: Partial<GbtParams> };

export type BaseKind = BaseSpec['kind'];

export const baseKinds: readonly BaseKind[] = ['naive-bayes', 'logistic', 'tree', 'forest', 'gbt'];

/**
 * Fits the base classifier a spec names.
 * @example fitBase({ kind: 'forest', params: { nTrees: 50 } }, data, ctx)
 */
export function fitBase(spec: BaseSpec, data: Dataset, ctx: FitContext): Classifier {
  switch (spec.kind) {
    case 'naive-bayes':
      return fitNaiveBayes(data, spec.params ?? {}, ctx);
    case 'logistic':
      return fitLogistic(data, spec.params ?? {}, ctx);
    case 'tree':
      return fitTree(data, spec.params ?? {}, ctx);
    case 'forest':
      return fitForest(data, spec.params ?? {}, ctx);
    case 'gbt':
      return fitGbt(data, spec.params ?? {}, ctx);
    default:
      throw classifierError(`classifier kind "${String((spec as { kind: unknown }).kind)}" is unknown; expected one of ${baseKinds.join(', ')}`);
  }
}

/** Loads a base classifier of the given kind from its parts. */
export function baseFromParts(kind: string, parts: ModelParts): Classifier {
  switch (kind) {
    case 'naive-bayes':
      return NaiveBayesModel.fromParts(parts);
    case 'logistic':
      return LogisticModel.fromParts(parts);
    case 'tree':
      return TreeModel.fromParts(parts);
    case 'forest':
      return ForestModel.fromParts(parts);
    case 'gbt':
      return GbtModel.fromParts(parts);
    default:
      throw classifierError(`model parts: classifier kind "${kind}" is unknown; expected one of ${baseKinds.join(', ')}`);
  }
}
