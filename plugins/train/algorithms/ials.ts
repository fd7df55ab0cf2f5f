/**
 * Implicit ALS (Hu, Koren & Volinsky 2008) solved with a few conjugate-gradient steps per row (Takács, Pilászy
 * & Tikk 2011; `implicit`'s `least_squares_cg`). Every cell is a preference p = 1 if observed else 0, weighted
 * by the confidence c = 1 + alpha·value (1 for unobserved cells); the loss is
 *
 *   L = Σ_{u,i} c_ui (p_ui − x_u·y_i)² + λ (Σ_u ‖x_u‖² + Σ_i ‖y_i‖²).
 *
 * 1. Initialise X (users × factors) and Y (items × factors) with uniform [0, initScale) draws from mulberry32.
 * 2. Per iteration, users then items: with G = YᵀY + λI computed once per sweep (the gram trick: the
 *    unobserved cells of all rows share it), each row x_u takes `cgSteps` CG steps from its previous value on
 *      (G + Σ_{i∈u} (c_ui − 1) y_i y_iᵀ) x_u = Σ_{i∈u} c_ui y_i,
 *    touching only the row's nonzeros. A row with no nonzeros is set to 0, its exact minimiser.
 * 3. After each iteration the full loss, as Σ_u x_uᵀ G x_u + Σ_observed ((c − 1)s² − 2cs + c) + λ‖Y‖² with
 *    s = x_u·y_i and G = YᵀY + λI (which the next user sweep reuses).
 *
 * Each CG step minimises a row's quadratic along its search direction, so the loss cannot go up (in exact
 * arithmetic) from one iteration to the next.
 *
 * NOTE: `fitIals` runs steps 2 and 3 in a WebAssembly SIMD kernel (ials-wasm/, f32 vectors as in `implicit`,
 * about 15× faster at 64 factors on the benchmark matrix); the f64 TypeScript loop below is the fallback where WebAssembly SIMD is unavailable, and
 * the reference the kernel's tests compare against.
 */
import type { FitContext, Interactions } from '../matrix.js';
import { fitWithKernel } from './ials-wasm/fit.js';
import { ialsKernel } from './ials-wasm/kernel.js';
import { checkMatrix, checkNumber, mulberry32, Pacer, partArray, transpose, withDefaults, type FittedRecommender, type ModelParts, type Rows } from './common.js';

export interface IalsParams {
  readonly factors: number;
  readonly iterations: number;
  /** λ, plain L2 as in `implicit` (not scaled by row counts as Spark's ALS-WR). */
  readonly regularization: number;
  /** Confidence slope: c = 1 + alpha·value. */
  readonly alpha: number;
  readonly cgSteps: number;
  readonly initScale: number;
}

export interface IalsSaved extends IalsParams {
  readonly nUsers: number;
  readonly nItems: number;
  /** The loss after each iteration. */
  readonly losses: readonly number[];
}

/** `implicit`'s defaults, except 64 factors (its 100 buys little at Online Retail's 3.7k items). */
export const IALS_DEFAULTS: IalsParams = { factors: 64, iterations: 15, regularization: 0.01, alpha: 1, cgSteps: 3, initScale: 0.01 };

const WHERE = 'ials';

function resolve(given: unknown): IalsParams {
  const p = withDefaults(WHERE, given, IALS_DEFAULTS);
  return {
    factors: checkNumber(WHERE, 'factors', p.factors, 1, true),
    iterations: checkNumber(WHERE, 'iterations', p.iterations, 0, true),
    regularization: checkNumber(WHERE, 'regularization', p.regularization, 0),
    alpha: checkNumber(WHERE, 'alpha', p.alpha, 0),
    cgSteps: checkNumber(WHERE, 'cgSteps', p.cgSteps, 1, true),
    initScale: checkNumber(WHERE, 'initScale', p.initScale, 0),
  };
}

export class IalsModel implements FittedRecommender<IalsSaved> {
  readonly algorithm = 'ials';

  /** Row-major factors: user u's vector is userFactors[u·factors .. (u+1)·factors). */
  constructor(
    readonly params: IalsSaved,
    readonly userFactors: Float32Array,
    readonly itemFactors: Float32Array,
  ) {}

  /** x_u · y_i for every item; unknown users score 0 everywhere. */
  score(user: number, out: Float32Array): void {
    const { factors: f, nUsers, nItems } = this.params;
    if (!(user >= 0 && user < nUsers)) {
      out.fill(0);
      return;
    }
    const X = this.userFactors;
    const Y = this.itemFactors;
    const xo = user * f;
    for (let i = 0, yo = 0; i < nItems; i++, yo += f) {
      let s = 0;
      for (let a = 0; a < f; a++) s += X[xo + a]! * Y[yo + a]!;
      out[i] = s;
    }
  }

  toParts(): ModelParts<IalsSaved> {
    return { params: { ...this.params, losses: [...this.params.losses] }, arrays: { userFactors: this.userFactors, itemFactors: this.itemFactors } };
  }

  static fromParts(parts: ModelParts<unknown>): IalsModel {
    const where = `${WHERE}.fromParts`;
    const { nUsers, nItems, losses, ...rest } = (parts.params ?? {}) as Partial<IalsSaved>;
    const users = checkNumber(where, 'nUsers', nUsers, 0, true);
    const items = checkNumber(where, 'nItems', nItems, 0, true);
    const params = resolve(rest);
    const saved = { ...params, nUsers: users, nItems: items, losses: Array.isArray(losses) ? losses.map(Number) : [] };
    const X = partArray(where, parts.arrays, 'userFactors', Float32Array, users * params.factors);
    const Y = partArray(where, parts.arrays, 'itemFactors', Float32Array, items * params.factors);
    return new IalsModel(saved, X, Y);
  }
}

/** G = FᵀF + λI (f × f, Float64) over the n rows of F. Only the upper triangle is summed, then mirrored. */
export function gram(F: Float32Array, n: number, f: number, lambda: number, G: Float64Array): void {
  G.fill(0);
  for (let r = 0, o = 0; r < n; r++, o += f) {
    for (let a = 0; a < f; a++) {
      const fa = F[o + a]!;
      if (fa === 0) continue;
      const ga = a * f;
      for (let b = a; b < f; b++) G[ga + b]! += fa * F[o + b]!;
    }
  }
  for (let a = 0; a < f; a++) {
    G[a * f + a]! += lambda;
    for (let b = a + 1; b < f; b++) G[b * f + a] = G[a * f + b]!;
  }
}

/** Scratch vectors for one CG solve, allocated once per fit so the inner loops allocate nothing. */
export class Cg {
  readonly x: Float64Array;
  readonly r: Float64Array;
  readonly p: Float64Array;
  readonly ap: Float64Array;

  constructor(readonly f: number) {
    this.x = new Float64Array(f);
    this.r = new Float64Array(f);
    this.p = new Float64Array(f);
    this.ap = new Float64Array(f);
  }

  /** 2. Updates row `row` of `X` in place by `steps` CG steps against the fixed factors `Y` (see file header). */
  solve(rows: Rows, row: number, X: Float32Array, Y: Float32Array, G: Float64Array, alpha: number, steps: number): void {
    const { f, x, r, p, ap } = this;
    const start = rows.indptr[row]!;
    const end = rows.indptr[row + 1]!;
    const xo = row * f;
    if (start === end) {
      X.fill(0, xo, xo + f);
      return;
    }
    for (let a = 0; a < f; a++) x[a] = X[xo + a]!;
    // r = b − A x = −G x + Σ (c − (c − 1)·(y·x)) y
    symv(G, x, r, f, -1);
    for (let k = start; k < end; k++) {
      const yo = rows.indices[k]! * f;
      const cm1 = alpha * rows.values[k]!;
      const t = 1 + cm1 - cm1 * rowDot(Y, yo, x, f);
      for (let a = 0; a < f; a++) r[a]! += t * Y[yo + a]!;
    }
    p.set(r);
    let rsOld = dot(r, r, f);
    for (let step = 0; step < steps && rsOld >= 1e-20; step++) {
      // Ap = G p + Σ (c − 1)(y·p) y, without forming the row's matrix
      symv(G, p, ap, f, 1);
      for (let k = start; k < end; k++) {
        const yo = rows.indices[k]! * f;
        const t = alpha * rows.values[k]! * rowDot(Y, yo, p, f);
        for (let a = 0; a < f; a++) ap[a]! += t * Y[yo + a]!;
      }
      const stepSize = rsOld / dot(p, ap, f);
      for (let a = 0; a < f; a++) {
        x[a]! += stepSize * p[a]!;
        r[a]! -= stepSize * ap[a]!;
      }
      const rsNew = dot(r, r, f);
      const beta = rsNew / rsOld;
      for (let a = 0; a < f; a++) p[a] = r[a]! + beta * p[a]!;
      rsOld = rsNew;
    }
    for (let a = 0; a < f; a++) X[xo + a] = x[a]!;
  }
}

/** out = scale · G v for a dense f × f matrix G. */
export function symv(G: Float64Array, v: Float64Array, out: Float64Array, f: number, scale: number): void {
  for (let a = 0, ga = 0; a < f; a++, ga += f) {
    // four running sums: breaks the add chain, which V8 does not reorder on its own
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let b = 0;
    for (; b + 3 < f; b += 4) {
      s0 += G[ga + b]! * v[b]!;
      s1 += G[ga + b + 1]! * v[b + 1]!;
      s2 += G[ga + b + 2]! * v[b + 2]!;
      s3 += G[ga + b + 3]! * v[b + 3]!;
    }
    for (; b < f; b++) s0 += G[ga + b]! * v[b]!;
    out[a] = scale * (s0 + s1 + s2 + s3);
  }
}

/** F[o .. o+f) · v, with four running sums like `symv`. */
function rowDot(F: Float32Array, o: number, v: Float64Array, f: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let a = 0;
  for (; a + 3 < f; a += 4) {
    s0 += F[o + a]! * v[a]!;
    s1 += F[o + a + 1]! * v[a + 1]!;
    s2 += F[o + a + 2]! * v[a + 2]!;
    s3 += F[o + a + 3]! * v[a + 3]!;
  }
  for (; a < f; a++) s0 += F[o + a]! * v[a]!;
  return s0 + s1 + s2 + s3;
}

function dot(a: Float64Array, b: Float64Array, f: number): number {
  let s = 0;
  for (let i = 0; i < f; i++) s += a[i]! * b[i]!;
  return s;
}

/** 3. The full weighted loss, with G = YᵀY + λI already computed from the current Y. */
function loss(m: Interactions, X: Float32Array, Y: Float32Array, G: Float64Array, p: IalsParams, gx: Float64Array, x: Float64Array): number {
  const f = p.factors;
  let total = 0;
  for (let u = 0, xo = 0; u < m.users.length; u++, xo += f) {
    for (let a = 0; a < f; a++) x[a] = X[xo + a]!;
    symv(G, x, gx, f, 1);
    total += dot(x, gx, f);
    for (let k = m.indptr[u]!; k < m.indptr[u + 1]!; k++) {
      const yo = m.indices[k]! * f;
      const s = rowDot(Y, yo, x, f);
      const c = 1 + p.alpha * m.values[k]!;
      total += (c - 1) * s * s - 2 * c * s + c;
    }
  }
  let yNorm = 0;
  for (let k = 0; k < Y.length; k++) yNorm += Y[k]! * Y[k]!;
  return total + p.regularization * yNorm;
}

/** Where the fit runs: the kernel when WebAssembly SIMD is available ('auto'), or forced, for tests. */
export type IalsEngine = 'auto' | 'wasm' | 'typescript';

/**
 * Fits iALS; progress reports `iteration i: loss x` after each iteration and `model.params.losses` keeps them.
 *
 * @example
 * const model = await fitIals(matrix, { factors: 64, iterations: 15, alpha: 15, regularization: 0.1 }, ctx);
 */
export async function fitIals(matrix: Interactions, params: Partial<IalsParams>, ctx: FitContext, engine: IalsEngine = 'auto'): Promise<IalsModel> {
  const pacer = new Pacer(ctx);
  checkMatrix(WHERE, matrix);
  const p = resolve(params);
  const { factors: f } = p;
  const nUsers = matrix.users.length;
  const nItems = matrix.items.length;

  // 1. Seeded initialisation, users first.
  const random = mulberry32(ctx.seed);
  const X = new Float32Array(nUsers * f);
  const Y = new Float32Array(nItems * f);
  for (let k = 0; k < X.length; k++) X[k] = random() * p.initScale;
  for (let k = 0; k < Y.length; k++) Y[k] = random() * p.initScale;
  const byItem = transpose(matrix, nItems, matrix.values);

  const kernel = engine === 'typescript' ? undefined : await ialsKernel();
  if (engine === 'wasm' && kernel === undefined) throw new Error(`${WHERE}: WebAssembly SIMD is not available here`);
  ctx.signal.throwIfAborted();
  const losses = kernel ? await fitWithKernel(kernel, matrix, byItem, X, Y, p, pacer, ctx) : await fitTypeScript(matrix, byItem, X, Y, p, pacer, ctx);
  return new IalsModel({ ...p, nUsers, nItems, losses }, X, Y);
}

/** Steps 2 and 3 in TypeScript (f64 CG and G), updating X and Y in place; returns the loss per iteration. */
async function fitTypeScript(byUser: Interactions, byItem: Rows, X: Float32Array, Y: Float32Array, p: IalsParams, pacer: Pacer, ctx: FitContext): Promise<number[]> {
  const f = p.factors;
  const nUsers = byUser.users.length;
  const nItems = byUser.items.length;
  const G = new Float64Array(f * f);
  const cg = new Cg(f);
  const losses: number[] = [];
  gram(Y, nItems, f, p.regularization, G);

  const sweep = async (rows: Rows, n: number, target: Float32Array, fixed: Float32Array, done: number) => {
    for (let r = 0; r < n; r++) {
      if (pacer.due()) {
        ctx.progress((done + r / n / 2) / p.iterations, `iteration ${losses.length + 1}`);
        await pacer.pause();
      }
      cg.solve(rows, r, target, fixed, G, p.alpha, p.cgSteps);
    }
  };

  for (let it = 0; it < p.iterations; it++) {
    // 2. Users against G = YᵀY + λI, then items against G = XᵀX + λI.
    await sweep(byUser, nUsers, X, Y, it);
    gram(X, nUsers, f, p.regularization, G);
    await sweep(byItem, nItems, Y, X, it + 0.5);
    gram(Y, nItems, f, p.regularization, G);

    // 3. The loss, reusing G = YᵀY + λI, which the next user sweep needs too.
    const l = loss(byUser, X, Y, G, p, cg.ap, cg.x);
    losses.push(l);
    ctx.progress((it + 1) / p.iterations, `iteration ${it + 1}: loss ${l.toPrecision(6)}`);
    // A small fit can run a whole iteration inside one pacing slice: look at the signal at least once per iteration.
    ctx.signal.throwIfAborted();
  }
  return losses;
}
