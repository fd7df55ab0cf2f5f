/**
 * Assembles the iALS kernel (kernel-wat.ts) once per process with `wabt` and lays out one WebAssembly.Memory per
 * fit that holds everything the kernel touches. `ialsKernel()` resolves to undefined where WebAssembly SIMD is not
 * available, and the caller falls back to the TypeScript path.
 */
import wabtInit from 'wabt';
import { IALS_WAT } from './kernel-wat.js';

// NOTE: the project's lib settings carry no WebAssembly types; this is the little of the API used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
};

/** The kernel's exports; every pointer is a byte address in the fit's memory. */
export interface IalsExports {
  init(G: number, R: number, P: number, AP: number, T: number, fp: number): void;
  dot(a: number, b: number): number;
  rowdots(v: number, offs: number, cm1: number, n: number, mode: 0 | 1 | 2): void;
  apply(v: number, out: number, scale: number, offs: number, n: number): number;
  solve(indptr: number, offs: number, cm1: number, target: number, r0: number, r1: number, steps: number, dots: number): void;
  prepare(offs: number, cm1: number, n: number, fixed: number, alpha: number): void;
  observed(indptr: number, offs: number, cm1: number, X: number, rows: number, dots: number): number;
  gram(F: number, n: number, out: number): void;
}

let compiled: Promise<object | undefined> | undefined;

/** The compiled kernel module, or undefined when this runtime cannot assemble or compile WebAssembly SIMD. */
export function ialsKernel(): Promise<object | undefined> {
  compiled ??= (async () => {
    try {
      const wabt = await wabtInit();
      const parsed = wabt.parseWat('ials.wat', IALS_WAT, { simd: true, bulk_memory: true });
      try {
        return new WebAssembly.Module(parsed.toBinary({}).buffer);
      } finally {
        parsed.destroy();
      }
    } catch {
      return undefined;
    }
  })();
  return compiled;
}

/** Factor rows padded to a multiple of 16 floats: the kernel's loops walk whole 64-byte chunks. */
export const padded = (factors: number): number => Math.ceil(factors / 16) * 16;

/**
 * One fit's memory: a bump allocator over sizes known up front (the memory never grows, so views stay valid),
 * then an instance of the kernel bound to it, with G, R, P, AP and T allocated and passed to `init`.
 */
export class KernelMemory {
  readonly kernel: IalsExports;
  readonly buffer: ArrayBuffer;
  readonly fp: number;
  readonly G: number;
  readonly R: number;
  readonly P: number;
  readonly AP: number;
  private next = 64;

  /** `arrays` lists the byte sizes of the caller's own arrays, which `take` hands out in that order after ours. */
  constructor(module: object, factors: number, maxRowLength: number, arrays: readonly number[]) {
    this.fp = padded(factors);
    const fb = this.fp * 4;
    const own = [this.fp * fb, fb, fb, fb, (maxRowLength + 4) * 4];
    // 64 bytes of slack after each array: `rowdots` and step 1 from saved dots read up to three entries past a row's end
    const total = [...own, ...arrays].reduce((s, n) => s + Math.ceil(n / 64) * 64 + 64, 64);
    const memory = new WebAssembly.Memory({ initial: Math.ceil(total / 65536) + 1 });
    this.buffer = memory.buffer;
    this.kernel = new WebAssembly.Instance(module, { env: { memory } }).exports as IalsExports;
    [this.G, this.R, this.P, this.AP] = own.slice(0, 4).map((n) => this.take(n)) as [number, number, number, number];
    this.kernel.init(this.G, this.R, this.P, this.AP, this.take(own[4]!), this.fp);
  }

  /** Allocates `bytes` (64-byte aligned) and returns the address. */
  take(bytes: number): number {
    const at = this.next;
    this.next += Math.ceil(bytes / 64) * 64 + 64;
    return at;
  }

  f32(at: number, length: number): Float32Array {
    return new Float32Array(this.buffer, at, length);
  }

  f64(at: number, length: number): Float64Array {
    return new Float64Array(this.buffer, at, length);
  }

  i32(at: number, length: number): Int32Array {
    return new Int32Array(this.buffer, at, length);
  }
}
