/**
 * The iALS fit loop over the WebAssembly kernel: the same steps as ials.ts's TypeScript loop (see its header),
 * with the rows solved by the kernel in blocks, so that cancellation and progress stay here between blocks.
 *
 * The loss is computed more cheaply but exactly: Σ_u x_uᵀ(YᵀY + λI)x_u = ⟨XᵀX, YᵀY⟩ + λ‖X‖², and both grams
 * exist anyway (XᵀX for the item sweep, YᵀY for the next user sweep), so only the observed cells cost a pass.
 * The kernel sums grams in f32 over blocks of rows and the blocks in f64, which keeps G and the loss close to the
 * TypeScript path's f64 sums. That observed pass also keeps each y·x, and the next user sweep's step 1 starts from
 * them instead of taking them again (X and Y have not moved in between: the same numbers, bit for bit).
 */
import type { FitContext } from '../../matrix.js';
import type { Pacer, Rows } from '../common.js';
import type { IalsParams } from '../ials.js';
import { KernelMemory, padded } from './kernel.js';

/** Rows per kernel call: a few hundred microseconds at 64 factors, so the pacer is consulted often enough. */
const BLOCK = 32;

/** A CSR in kernel memory: row pointers, the byte address of each nonzero's fixed-side row, and c − 1. */
interface Csr {
  readonly indptr: number;
  readonly offs: number;
  readonly cm1: number;
  readonly rows: number;
}

/**
 * Runs `p.iterations` iterations on X and Y (row-major, `p.factors` wide, updated in place) and returns the
 * loss after each; progress messages are the TypeScript path's.
 */
export async function fitWithKernel(
  module: object,
  byUser: Rows,
  byItem: Rows,
  X: Float32Array,
  Y: Float32Array,
  p: IalsParams,
  pacer: Pacer,
  ctx: FitContext,
): Promise<number[]> {
  const f = p.factors;
  const nUsers = byUser.indptr.length - 1;
  const nItems = byItem.indptr.length - 1;
  const nnz = byUser.indices.length;
  let longest = 0;
  for (const rows of [byUser, byItem]) for (let r = 0; r + 1 < rows.indptr.length; r++) longest = Math.max(longest, rows.indptr[r + 1]! - rows.indptr[r]!);

  // 1. Lay out memory (ours: G, scratch; then X, Y and a CSR per direction) and copy X, Y and the CSRs in.
  const fb = padded(f) * 4;
  const gramBytes = padded(f) * fb * 2;
  const csrBytes = (n: number) => [(n + 1) * 4, nnz * 4, nnz * 4];
  const mem = new KernelMemory(module, f, longest, [nUsers * fb, nItems * fb, ...csrBytes(nUsers), ...csrBytes(nItems), gramBytes, gramBytes, nnz * 4]);
  const { fp, kernel } = mem;
  const Xw = mem.take(nUsers * fb);
  const Yw = mem.take(nItems * fb);
  const toKernel = (from: Float32Array, at: number, n: number) => {
    const view = mem.f32(at, n * fp);
    for (let r = 0; r < n; r++) view.set(from.subarray(r * f, (r + 1) * f), r * fp);
  };
  const fromKernel = (to: Float32Array, at: number, n: number) => {
    const view = mem.f32(at, n * fp);
    for (let r = 0; r < n; r++) to.set(view.subarray(r * fp, r * fp + f), r * f);
  };
  const csr = (rows: Rows, n: number, fixed: number): Csr => {
    const nnz = rows.indices.length;
    const c: Csr = { indptr: mem.take((n + 1) * 4), offs: mem.take(nnz * 4), cm1: mem.take(nnz * 4), rows: n };
    mem.i32(c.indptr, n + 1).set(rows.indptr);
    mem.i32(c.offs, nnz).set(rows.indices);
    mem.f32(c.cm1, nnz).set(rows.values);
    kernel.prepare(c.offs, c.cm1, nnz, fixed, p.alpha);
    return c;
  };
  toKernel(X, Xw, nUsers);
  toKernel(Y, Yw, nItems);
  const users = csr(byUser, nUsers, Yw);
  const items = csr(byItem, nItems, Xw);

  // G = FᵀF + λI for the kernel (f32, mirrored from the upper triangle); `raw` keeps FᵀF in f64 for the loss
  const G = mem.f32(mem.G, fp * fp);
  const gram = (F: number, n: number, at: number, raw: Float64Array) => {
    kernel.gram(F, n, at);
    for (let a = 0; a < fp; a++) {
      for (let b = 0; b < fp; b++) G[a * fp + b] = raw[Math.min(a, b) * fp + Math.max(a, b)]! + (a === b && a < f ? p.regularization : 0);
    }
  };
  const [gxAt, gyAt] = [mem.take(gramBytes), mem.take(gramBytes)];
  const [gx, gy] = [mem.f64(gxAt, fp * fp), mem.f64(gyAt, fp * fp)];
  // y·x per user nonzero, from the last loss pass (see the header)
  const dots = mem.take(nnz * 4);
  const losses: number[] = [];

  const sweep = async (rows: Csr, target: number, done: number, saved: number) => {
    for (let r = 0; r < rows.rows; r += BLOCK) {
      if (pacer.due()) {
        ctx.progress((done + r / rows.rows / 2) / p.iterations, `iteration ${losses.length + 1}`);
        await pacer.pause();
      }
      kernel.solve(rows.indptr, rows.offs, rows.cm1, target, r, Math.min(rows.rows, r + BLOCK), p.cgSteps, saved);
    }
  };

  gram(Yw, nItems, gyAt, gy);
  for (let it = 0; it < p.iterations; it++) {
    // 2. Users against G = YᵀY + λI, then items against G = XᵀX + λI.
    await sweep(users, Xw, it, it > 0 ? dots : 0);
    gram(Xw, nUsers, gxAt, gx);
    await sweep(items, Yw, it + 0.5, 0);
    gram(Yw, nItems, gyAt, gy);

    // 3. The loss: observed cells in the kernel, the rest from the two grams (upper triangles, hence the 2).
    let l = kernel.observed(users.indptr, users.offs, users.cm1, Xw, nUsers, dots);
    for (let a = 0; a < fp; a++) {
      l += gx[a * fp + a]! * gy[a * fp + a]! + p.regularization * (gx[a * fp + a]! + gy[a * fp + a]!);
      for (let b = a + 1; b < fp; b++) l += 2 * gx[a * fp + b]! * gy[a * fp + b]!;
    }
    losses.push(l);
    ctx.progress((it + 1) / p.iterations, `iteration ${it + 1}: loss ${l.toPrecision(6)}`);
    // an abort from the progress callback itself: an iteration can end before the pacer is next due
    ctx.signal.throwIfAborted();
  }
  fromKernel(X, Xw, nUsers);
  fromKernel(Y, Yw, nItems);
  return losses;
}
