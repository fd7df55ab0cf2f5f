/**
 * Ranks with a model that may have been trained on other users and items than the candidate (the model in
 * production was trained on older data): users and items are matched by id, not by index. A test user the model
 * never saw gets what the model gives an unknown user (its popular fallback, when the file has one), and an item
 * outside the candidate's catalogue still takes its place in the top k, as a miss. A test user the model never saw
 * gets the model's popular fallback (nothing, for an old file without one).
 */
import { topK } from '../train/matrix.js';
import type { FittedRecommender } from '../train/algorithms/index.js';

export interface AlignedModel {
  readonly ids: { readonly users?: readonly string[]; readonly items?: readonly string[] };
  readonly fallback?: readonly string[];
  readonly model: FittedRecommender<unknown>;
}

const same = (a: readonly string[] | undefined, b: readonly string[]) => a?.length === b.length && a.every((x, i) => x === b[i]);

/**
 * A function giving model `m`'s top k for candidate user `u`, as candidate item indices. An item the candidate
 * does not know becomes `missing` (an index at or past the catalogue's end, so it is never relevant).
 */
export function alignedRanker(m: AlignedModel, users: readonly string[], items: readonly string[], missing: number): (u: number, k: number) => number[] {
  const ownUsers = m.ids.users ?? [];
  const ownItems = m.ids.items ?? [];
  const scores = new Float32Array(ownItems.length);
  if (same(ownUsers, users) && same(ownItems, items)) {
    return (u, k) => {
      m.model.score(u, scores);
      return topK(scores, k);
    };
  }
  const userIndex = new Map(ownUsers.map((id, i) => [id, i]));
  const itemIndex = new Map(items.map((id, i) => [id, i]));
  const toCandidate = Int32Array.from(ownItems, (id) => itemIndex.get(id) ?? missing);
  const fallback = (m.fallback ?? []).map((id) => itemIndex.get(id) ?? missing);
  return (u, k) => {
    const own = userIndex.get(users[u]!) ?? -1;
    // A user the model never saw gets its popular fallback; a file without one has nothing to offer (as serving
    // answers), rather than a "ranking" of whatever order the model's zero scores fall in.
    if (own === -1) return fallback.slice(0, k);
    m.model.score(own, scores);
    return topK(scores, k).map((i) => toCandidate[i]!);
  };
}
