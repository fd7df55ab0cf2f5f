import { describe, expect, test } from 'vitest';
import type { WorkflowDoc } from '../api/types';
import { testIndex } from './test-plugins';
import { checkConnection, compatible } from './wiring';

//   collect ─► clean ─► train ─► evaluate.candidate
//                 └──────────────► evaluate.test
const doc: WorkflowDoc = {
  version: 1,
  name: 'w',
  nodes: [
    { id: 'collect', plugin: 'collect@^1' },
    { id: 'clean', plugin: 'clean@^1', inputs: { data: 'collect.data' } },
    { id: 'train', plugin: 'train', inputs: { interactions: 'clean.data' } },
    { id: 'evaluate', plugin: 'evaluate', inputs: { candidate: 'train.model', test: 'clean.data' } },
    { id: 'other', plugin: 'train' },
    { id: 'mix', plugin: 'integrate' },
    { id: 'pass', plugin: 'noop' },
  ],
};
const connect = (source: string, out: string, target: string, input: string) =>
  checkConnection(doc, testIndex, { source, sourceHandle: `out:${out}`, target, targetHandle: `in:${input}` });

describe('port types', () => {
  test('any fits every type, others only themselves', () => {
    expect(compatible('any', 'model')).toBe(true);
    expect(compatible('dataset', 'any')).toBe(true);
    expect(compatible('dataset', 'dataset')).toBe(true);
    expect(compatible('model', 'dataset')).toBe(false);
  });

  test('a model into a dataset input is refused with both types named', () => {
    expect(connect('other', 'model', 'mix', 'data')).toEqual({ ok: false, reason: 'other.model is a model; mix.data expects a dataset' });
  });

  test('a dataset into an input of type any is accepted', () => {
    expect(connect('clean', 'data', 'pass', 'in')).toEqual({ ok: true, many: false });
  });
});

describe('how many edges an input takes', () => {
  test('a second edge into a single input is refused, naming the one it has', () => {
    expect(connect('collect', 'data', 'train', 'interactions')).toEqual({
      ok: false,
      reason: 'train.interactions takes one input and already has clean.data; delete that edge first',
    });
  });

  test('a port that takes many accepts another edge', () => {
    expect(connect('other', 'model', 'evaluate', 'baselines')).toEqual({ ok: true, many: true });
  });

  test('the same edge twice is refused', () => {
    expect(connect('train', 'model', 'evaluate', 'candidate')).toEqual({ ok: false, reason: 'train.model is already wired to evaluate.candidate' });
  });
});

describe('cycles', () => {
  test('an edge back upstream is refused, naming the cycle in order', () => {
    const d: WorkflowDoc = { ...doc, nodes: [...doc.nodes.slice(0, 3), { id: 'mix', plugin: 'integrate', inputs: { data: ['train.model'] } }] };
    // clean → train → mix; mix.data → clean.data would close clean → train → mix → clean
    const verdict = checkConnection({ ...d, nodes: d.nodes.map((n) => (n.id === 'clean' ? { ...n, inputs: {} } : n)) }, testIndex, { source: 'mix', sourceHandle: 'out:data', target: 'clean', targetHandle: 'in:data' });
    expect(verdict).toEqual({ ok: false, reason: 'mix.data → clean.data would close a cycle: clean → train → mix → clean' });
  });

  test('a node wired to itself is refused', () => {
    expect(connect('pass', 'out', 'pass', 'in')).toEqual({ ok: false, reason: 'pass.out → pass.in would connect pass to itself (a cycle)' });
  });

  test('after edges count towards cycles', () => {
    const d: WorkflowDoc = { version: 1, name: 'w', nodes: [{ id: 'a', plugin: 'noop' }, { id: 'b', plugin: 'noop', after: ['a'] }] };
    expect(checkConnection(d, testIndex, { source: 'b', sourceHandle: 'out:out', target: 'a', targetHandle: 'in:in' })).toEqual({
      ok: false,
      reason: 'b.out → a.in would close a cycle: a → b → a',
    });
  });
});

test('an unknown port is refused by name', () => {
  expect(connect('clean', 'nope', 'train', 'items')).toEqual({ ok: false, reason: 'clean has no output "nope"' });
});
