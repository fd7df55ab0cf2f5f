import { expect, test } from 'vitest';
import type { WorkflowDoc } from '../api/types';
import { configErrors, locate, problemsByNode, splitPointer } from './pointers';

const doc: WorkflowDoc = { version: 1, name: 'w', nodes: [{ id: 'collect', plugin: 'collect' }, { id: 'clean', plugin: 'clean' }, { id: 'a/b', plugin: 'x' } as never] };

test('a pointer into a node names the node by id and the field inside it', () => {
  expect(locate(doc, { pointer: '/nodes/1/config/rules/0/where', message: 'm' })).toEqual({ pointer: '/nodes/1/config/rules/0/where', message: 'm', nodeId: 'clean', field: ['config', 'rules', '0', 'where'] });
  expect(locate(doc, { pointer: '/nodes/0/inputs/data', message: 'm' })).toMatchObject({ nodeId: 'collect', field: ['inputs', 'data'] });
  expect(locate(doc, { pointer: '/nodes/0', message: 'm' })).toMatchObject({ nodeId: 'collect', field: [] });
});

test('params, the root and nodes that are not there', () => {
  expect(locate(doc, { pointer: '/params/cutoff', message: 'm' })).toEqual({ pointer: '/params/cutoff', message: 'm', param: 'cutoff' });
  expect(locate(doc, { pointer: '', message: 'm' })).toEqual({ pointer: '', message: 'm' });
  expect(locate(doc, { pointer: '/nodes/9/config', message: 'm' }).nodeId).toBeUndefined();
});

test('escaped pointer segments are unescaped', () => {
  expect(splitPointer('/nodes/0/config/a~1b/c~0d')).toEqual(['nodes', '0', 'config', 'a/b', 'c~d']);
});

test('problems group by node with their field, and config problems become an rjsf error schema', () => {
  const located = [
    locate(doc, { pointer: '/nodes/1/config/rules/0/where', message: 'must not be empty' }),
    locate(doc, { pointer: '/nodes/1', message: 'required input "data" is not wired' }),
  ];
  expect(problemsByNode(located).get('clean')).toEqual(['config.rules.0.where: must not be empty', 'required input "data" is not wired']);
  expect(configErrors(located, 'clean')).toEqual({ rules: { 0: { where: { __errors: ['must not be empty'] } } } });
  expect(configErrors(located, 'collect')).toBeUndefined();
});
