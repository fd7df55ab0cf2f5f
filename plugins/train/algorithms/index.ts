/**
 * The collaborative-filtering algorithms by name: what the `train` plugin fits and what a model file loads.
 * Every fit is `(matrix, params, ctx) => Promise<model>`; every model has `toParts()`, and `load` turns the
 * parts back into a model by the `algorithm` name the model carried.
 */
import { invalid, type FittedRecommender, type ModelParts } from './common.js';
import { IalsModel } from './ials.js';
import { ItemKnnModel } from './itemknn.js';
import { PopularityModel } from './popularity.js';
import { RebuyModel } from './rebuy.js';
import { RankerModel } from '../ranker/ranker.js';

export { fitIals, IALS_DEFAULTS, IalsModel, type IalsParams } from './ials.js';
export { fitItemKnn, ITEMKNN_DEFAULTS, ItemKnnModel, type ItemKnnParams } from './itemknn.js';
export { fitPopularity, POPULARITY_DEFAULTS, PopularityModel, type PopularityParams } from './popularity.js';
export { fitRebuy, REBUY_DEFAULTS, RebuyModel, type RebuyInput, type RebuyParams } from './rebuy.js';
export type { FittedRecommender, ModelArrays, ModelParts } from './common.js';

const LOADERS: Record<string, (parts: ModelParts<unknown>) => FittedRecommender<unknown>> = {
  popularity: (parts) => PopularityModel.fromParts(parts),
  rebuy: (parts) => RebuyModel.fromParts(parts),
  itemknn: (parts) => ItemKnnModel.fromParts(parts),
  ials: (parts) => IalsModel.fromParts(parts),
  ranker: (parts) => RankerModel.fromParts(parts),
};

/** Rebuilds a saved model; `algorithm` is the model's `algorithm` field at save time. */
export function load(algorithm: string, parts: ModelParts<unknown>): FittedRecommender<unknown> {
  const loader = LOADERS[algorithm];
  if (!loader) invalid('load', `unknown algorithm "${algorithm}" (known: ${Object.keys(LOADERS).join(', ')})`);
  return loader(parts);
}
