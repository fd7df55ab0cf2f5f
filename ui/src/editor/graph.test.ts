import { expect, test } from 'vitest';
import type { WorkflowDoc } from '../api/types';
import { addWire, removeNodes, removeWires, renameNode } from './document';
import { fromGraph, toEdges, toNodes } from './graph';
import { testIndex } from './test-plugins';

const doc: WorkflowDoc = {
  version: 1,
  name: 'rec',
  title: 'A title',
  params: { cutoff: { type: 'string', default: '2011-09-22' } },
  nodes: [
    { id: 'collect', plugin: 'collect@^1', title: 'Files', config: { path: '${params.cutoff}' }, ui: { x: 0, y: 0 } },
    { id: 'clean', plugin: 'clean@^1', inputs: { data: 'collect.data' }, config: { rules: [] }, ui: { x: 240, y: 0 } },
    { id: 'mix', plugin: 'integrate@^1', inputs: { data: ['clean.data', 'collect.data'] }, after: ['collect'], retry: { maxAttempts: 2 }, ui: { x: 480, y: 10 } },
  ],
};

test('document → graph → document gives the same document', () => {
  const nodes = toNodes(doc, testIndex);
  const edges = toEdges(doc, testIndex);
  expect(edges.map((e) => e.id)).toEqual(['w:collect.data>clean.data', 'w:clean.data>mix.data', 'w:collect.data>mix.data', 'a:collect>mix']);
  expect(fromGraph(doc, nodes, edges)).toEqual(doc);
  expect(JSON.stringify(fromGraph(doc, nodes, edges))).toBe(JSON.stringify(doc));
});

test('moved nodes land in ui, rounded, and nothing else changes', () => {
  const nodes = toNodes(doc, testIndex).map((n) => (n.id === 'clean' ? { ...n, position: { x: 300.4, y: 99.6 } } : n));
  const back = fromGraph(doc, nodes, toEdges(doc, testIndex));
  expect(back.nodes[1]).toEqual({ ...doc.nodes[1], ui: { x: 300, y: 100 } });
  expect(back.nodes[0]).toEqual(doc.nodes[0]);
});

test('a node without a position gets one in ui, added last', () => {
  const bare: WorkflowDoc = { version: 1, name: 'b', nodes: [{ id: 'a', plugin: 'noop' }] };
  expect(fromGraph(bare, [{ id: 'a', position: { x: 5, y: 6 } }], [])).toEqual({ version: 1, name: 'b', nodes: [{ id: 'a', plugin: 'noop', ui: { x: 5, y: 6 } }] });
});

test('an unchanged node keeps its object between renders', () => {
  const first = toNodes(doc, testIndex);
  const previous = new Map(first.map((n) => [n.id, n]));
  const edited = { ...doc, nodes: doc.nodes.map((n) => (n.id === 'clean' ? { ...n, title: 'x' } : n)) };
  const second = toNodes(edited, testIndex, {}, previous);
  expect(second[0]).toBe(first[0]);
  expect(second[1]).not.toBe(first[1]);
});

test('a many port gets a list, a single port a string; removing the last ref drops the key', () => {
  const d: WorkflowDoc = { version: 1, name: 'w', nodes: [{ id: 'a', plugin: 'collect' }, { id: 'm', plugin: 'integrate' }, { id: 'c', plugin: 'clean' }] };
  const wired = addWire(addWire(d, { source: 'a', sourcePort: 'data', target: 'm', targetPort: 'data' }, true), { source: 'a', sourcePort: 'data', target: 'c', targetPort: 'data' }, false);
  expect(wired.nodes[1]!.inputs).toEqual({ data: ['a.data'] });
  expect(wired.nodes[2]!.inputs).toEqual({ data: 'a.data' });
  expect(removeWires(wired, [{ source: 'a', sourcePort: 'data', target: 'm', targetPort: 'data' }]).nodes[1]).toEqual({ id: 'm', plugin: 'integrate' });
});

test('renaming keeps the edges; removing a node removes its edges', () => {
  const renamed = renameNode(doc, 'collect', 'files');
  expect(renamed.nodes[1]!.inputs).toEqual({ data: 'files.data' });
  expect(renamed.nodes[2]!.inputs).toEqual({ data: ['clean.data', 'files.data'] });
  expect(renamed.nodes[2]!.after).toEqual(['files']);
  const removed = removeNodes(doc, new Set(['collect']));
  expect(removed.nodes.map((n) => n.id)).toEqual(['clean', 'mix']);
  expect(removed.nodes[0]!.inputs).toBeUndefined();
  expect(removed.nodes[1]!.inputs).toEqual({ data: ['clean.data'] });
  expect(removed.nodes[1]!.after).toBeUndefined();
});
