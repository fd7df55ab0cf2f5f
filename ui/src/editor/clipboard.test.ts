import { expect, test } from 'vitest';
import type { WorkflowDoc } from '../api/types';
import { copyNodes, pasteNodes } from './clipboard';

//   collect ─► clean ─► mix (also after collect)
const doc: WorkflowDoc = {
  version: 1,
  name: 'w',
  nodes: [
    { id: 'collect', plugin: 'collect', ui: { x: 0, y: 0 } },
    { id: 'clean', plugin: 'clean', inputs: { data: 'collect.data' }, config: { rules: [] }, ui: { x: 200, y: 0 } },
    { id: 'mix', plugin: 'integrate', inputs: { data: ['clean.data', 'collect.data'] }, after: ['collect'], ui: { x: 400, y: 0 } },
  ],
};

test('a copy keeps only the edges inside the selection', () => {
  expect(copyNodes(doc, new Set(['clean', 'mix']))).toEqual([
    { id: 'clean', plugin: 'clean', config: { rules: [] }, ui: { x: 200, y: 0 } },
    { id: 'mix', plugin: 'integrate', inputs: { data: ['clean.data'] }, ui: { x: 400, y: 0 } },
  ]);
});

test('a paste renames every node and rewires the edges between them, offset', () => {
  const { nodes, ids } = pasteNodes(doc, copyNodes(doc, new Set(['clean', 'mix'])));
  expect(ids).toEqual(['clean-2', 'mix-2']);
  expect(nodes).toEqual([
    { id: 'clean-2', plugin: 'clean', config: { rules: [] }, ui: { x: 240, y: 40 } },
    { id: 'mix-2', plugin: 'integrate', inputs: { data: ['clean-2.data'] }, ui: { x: 440, y: 40 } },
  ]);
});

test('pasting twice counts on: clean-2, then clean-3', () => {
  const once = pasteNodes(doc, copyNodes(doc, new Set(['clean'])));
  const withOnce = { ...doc, nodes: [...doc.nodes, ...once.nodes] };
  expect(pasteNodes(withOnce, copyNodes(withOnce, new Set(['clean-2']))).ids).toEqual(['clean-3']);
});
