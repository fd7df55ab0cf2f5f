import { expect, test } from 'vitest';
import type { WorkflowDoc } from '../api/types';
import { autoLayout, NODE_WIDTH } from './layout';
import { testIndex } from './test-plugins';

//   collect ─► clean ─► train ─► evaluate
//                └─────────────────┘ (test)
//   other (not wired)
const doc: WorkflowDoc = {
  version: 1,
  name: 'w',
  nodes: [
    { id: 'evaluate', plugin: 'evaluate', inputs: { candidate: 'train.model', test: 'clean.data' } },
    { id: 'collect', plugin: 'collect' },
    { id: 'clean', plugin: 'clean', inputs: { data: 'collect.data' } },
    { id: 'train', plugin: 'train', inputs: { interactions: 'clean.data' } },
    { id: 'other', plugin: 'noop' },
  ],
};

test('the layout runs left to right along the edges, and no two nodes overlap', async () => {
  const at = await autoLayout(doc, testIndex);
  expect([...at.keys()].sort()).toEqual(['clean', 'collect', 'evaluate', 'other', 'train']);
  const x = (id: string) => at.get(id)!.x;
  expect(x('collect')).toBeLessThan(x('clean'));
  expect(x('clean')).toBeLessThan(x('train'));
  expect(x('train')).toBeLessThan(x('evaluate'));
  const boxes = [...at.values()];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!;
      const b = boxes[j]!;
      const apart = Math.abs(a.x - b.x) >= NODE_WIDTH || Math.abs(a.y - b.y) >= 60;
      expect(apart, `${JSON.stringify(a)} overlaps ${JSON.stringify(b)}`).toBe(true);
    }
});
