/**
 * What the serving routes need from a model, and how they get one: the server knows nothing of model files,
 * algorithms or keys. The composition root (the CLI) passes an opener that decrypts, verifies and loads
 * (`plugins/serving/servable.ts`); tests may pass their own.
 */
import type { JsonObject } from '../json.js';
import type { ModelVersion } from '../registry/types.js';

export interface Recommendation {
  readonly items: readonly { readonly item: string; readonly score: number }[];
  /** True when the customer is unknown to the model and the items are its popular fallback. */
  readonly fallback: boolean;
}

export interface ServableModel {
  readonly name: string;
  readonly algorithm: string;
  /** Synchronous and allocation-light: it runs on the request path. */
  recommend(customer: string, k: number, options?: { readonly exclude?: readonly string[] }): Recommendation;
  /** Precomputes what makes requests cheap; the loader awaits it before the version serves. */
  warm?(): Promise<void>;
  /** Classifier models: a probability per row of named numeric features. Absent on recommenders. */
  predict?(rows: readonly Record<string, number>[]): ArrayLike<number>;
  describe(): JsonObject;
}

/** Loads a registered version's artifact bytes into memory (decrypting and verifying them when sealed). */
export type ModelOpener = (version: ModelVersion, bytes: Uint8Array) => Promise<ServableModel>;
