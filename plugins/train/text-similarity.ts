/**
 * Similarity of two short texts (item descriptions), each in [0, 1]:
 * - `jaccard`: shared distinct terms / distinct terms of either, order and repeats ignored;
 * - `edit`: 1 − Levenshtein distance / the longer length, on the texts as given (callers normalise first), so
 *   spelling variants such as "T-LIGHT HOLDER" and "TLIGHT HOLDER" come out close where term overlap sees nothing.
 * Cosine of TF-IDF vectors, the third measure, is computed in the data plane (content.ts).
 */
import { distance } from 'fastest-levenshtein';

export const TEXT_SIMILARITIES = ['cosine', 'jaccard', 'edit'] as const;
export type TextSimilarity = (typeof TEXT_SIMILARITIES)[number];

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let shared = 0;
  for (const term of a) if (b.has(term)) shared++;
  return shared / (a.size + b.size - shared);
}

export function editSimilarity(a: string, b: string): number {
  const longer = Math.max(a.length, b.length);
  return longer === 0 ? 0 : 1 - distance(a, b) / longer;
}
