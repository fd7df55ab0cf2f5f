/**
 * The contract every built-in plugin keeps, run by each plugin's own test file: `pluginContract(plugin)`. It is
 * the same suite third-party plugins run (`loom/testing`, engine/contract.ts), with a sample run for each built-in
 * where one is small: outputs as declared, no stray writes, and a run that stops when its signal aborts.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { pluginContract as contract, type ContractOptions, type ContractSample } from '../engine/contract.js';
import type { AnyPlugin } from '../engine/plugin/types.js';

const SAMPLE_DATA = fileURLToPath(new URL('../workflows/data/online-retail-sample/', import.meta.url));

const lines = [
  { InvoiceNo: '1', StockCode: 'A', Quantity: 2, UnitPrice: 1.5, CustomerID: 10 },
  { InvoiceNo: '1', StockCode: 'B', Quantity: -1, UnitPrice: 2.0, CustomerID: 10 },
  { InvoiceNo: '2', StockCode: 'A', Quantity: 1, UnitPrice: 1.5, CustomerID: 11 },
  { InvoiceNo: '2', StockCode: 'A', Quantity: 1, UnitPrice: 1.5, CustomerID: 11 },
];

/** Small runs of the built-ins whose inputs are easy to give; the rest are checked by their definition only. */
const BUILTIN_SAMPLES: Record<string, readonly ContractSample[]> = {
  sleep: [{ config: { ms: 50 }, check: (run) => expect(run.read('out')).toEqual({ sleptMs: 50 }) }],
  constant: [{ config: { answer: 42 }, check: (run) => expect(run.read('out')).toEqual({ answer: 42 }) }],
  noop: [{ inputs: { in: { a: 1 } }, check: (run) => expect(run.read('out')).toEqual({ a: 1 }) }],
  fail: [{ config: { times: 0 }, check: (run) => expect(run.read('out')).toEqual({ attempt: 1 }) }],
  clean: [
    {
      config: { rules: [{ op: 'dropRows', where: 'Quantity <= 0' }, { op: 'dedupe' }] },
      inputs: { data: lines },
      check: (run) => expect(run.read<unknown[]>('data')).toHaveLength(2),
    },
  ],
  integrate: [
    {
      config: { operation: { kind: 'union' } },
      inputs: { data: [lines.slice(0, 2), lines.slice(2)] },
      check: (run) => expect(run.read<unknown[]>('data')).toHaveLength(4),
    },
  ],
  featurize: [
    {
      config: { steps: [{ op: 'scale', columns: ['UnitPrice'], method: 'minmax' }] },
      inputs: { data: lines },
      check: (run) => expect(run.read<{ UnitPrice: number }[]>('data').map((r) => r.UnitPrice)).toEqual([0, 1, 0, 0]),
    },
  ],
  collect: [
    {
      name: 'one daily file of the sample data',
      config: { path: '2011-09-01.csv' },
      workflowDir: SAMPLE_DATA,
      check: (run) => expect(run.read<unknown[]>('data').length).toBeGreaterThan(100),
    },
  ],
};

export function pluginContract(plugin: AnyPlugin, options: ContractOptions = {}): void {
  contract(plugin, { ...options, samples: options.samples ?? BUILTIN_SAMPLES[plugin.name] });
}
