/** Collects the classifier's training rows user by user, then packs them into one dense `Dataset`. */
import type { Dataset } from '../classifiers/dataset.js';
import { FEATURES, type UserRows } from './features.js';

export class RowsBuilder {
  private readonly rows: Float64Array[] = [];
  private readonly labels: number[] = [];
  /** Which training user (0, 1, …) each row belongs to, for per-user weights. */
  private readonly owners: number[] = [];
  users = 0;

  /** Adds a user's candidates, labelled by `bought`; negatives are kept with probability `negativeRate`. */
  addUser(candidates: UserRows, bought: ReadonlySet<number>, negativeRate: number, random: () => number): void {
    const d = FEATURES.length;
    for (let r = 0; r < candidates.n; r++) {
      const y = bought.has(candidates.items[r]!) ? 1 : 0;
      if (y === 0 && negativeRate < 1 && random() >= negativeRate) continue;
      this.rows.push(candidates.features.subarray(r * d, (r + 1) * d));
      this.labels.push(y);
      this.owners.push(this.users);
    }
    this.users++;
  }

  /**
   * The rows as a dataset. With `userWeights`, each user's rows share a total weight equal to the mean rows per
   * user, so every user counts the same (as in NDCG's average) while the overall weight stays the row count.
   */
  dataset(userWeights: boolean): Dataset {
    const d = FEATURES.length;
    const n = this.labels.length;
    const features = new Float64Array(n * d);
    this.rows.forEach((row, r) => features.set(row, r * d));
    const base = { features, n, d, names: FEATURES, labels: Uint8Array.from(this.labels) };
    if (!userWeights || n === 0) return base;
    const perUser = new Float64Array(this.users);
    for (const o of this.owners) perUser[o]!++;
    const mean = n / this.users;
    return { ...base, weights: Float64Array.from(this.owners, (o) => mean / perUser[o]!) };
  }
}
