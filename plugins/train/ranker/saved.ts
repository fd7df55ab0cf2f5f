/** The ranker's history snapshot as named model arrays (`history.*`), and back with every length checked. */
import { invalid, partArray, type ModelArrays } from '../algorithms/common.js';
import { ITEM_STATS, PAIR_STATS, USER_STATS, type History, type ItemStat, type PairStat, type UserStat } from './history.js';

export function historyArrays(h: History): ModelArrays {
  const out: ModelArrays = { 'history.indptr': h.indptr, 'history.indices': h.indices };
  for (const s of PAIR_STATS) out[`history.pair.${s}`] = h.pairs[s];
  for (const s of USER_STATS) out[`history.user.${s}`] = h.userStats[s];
  for (const s of ITEM_STATS) out[`history.item.${s}`] = h.itemStats[s];
  return out;
}

export function historyFromArrays(arrays: ModelArrays, nUsers: number, nItems: number): History {
  const where = 'ranker.fromParts';
  const indptr = partArray(where, arrays, 'history.indptr', Int32Array, nUsers + 1);
  const nnz = indptr[nUsers]!;
  if (indptr[0] !== 0) invalid(where, '"history.indptr" must start at 0');
  for (let u = 0; u < nUsers; u++) if (indptr[u]! > indptr[u + 1]!) invalid(where, `"history.indptr" decreases at row ${u}`);
  const indices = partArray(where, arrays, 'history.indices', Int32Array, nnz);
  for (const i of indices) if (!(i >= 0 && i < nItems)) invalid(where, `"history.indices" holds ${i}, outside 0..${nItems - 1}`);
  const read = <K extends string>(names: readonly K[], kind: string, n: number) =>
    Object.fromEntries(names.map((s) => [s, partArray(where, arrays, `history.${kind}.${s}`, Float32Array, n)])) as Record<K, Float32Array>;
  return {
    nUsers,
    nItems,
    indptr,
    indices,
    pairs: read<PairStat>(PAIR_STATS, 'pair', nnz),
    userStats: read<UserStat>(USER_STATS, 'user', nUsers),
    itemStats: read<ItemStat>(ITEM_STATS, 'item', nItems),
  };
}
