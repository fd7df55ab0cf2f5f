/** Plugin descriptions for tests: the shapes `GET /api/plugins` sends, trimmed to what the editor reads. */
import type { PluginDescription, PortDescription, PortType } from '../api/types';
import { indexPlugins } from './plugins';

const port = (name: string, type: PortType, extra: Partial<PortDescription> = {}): PortDescription => ({ name, type, title: name, description: '', optional: false, many: false, ...extra });

const plugin = (name: string, category: string, inputs: PortDescription[], outputs: PortDescription[], config: Record<string, unknown> = { type: 'object', properties: {} }): PluginDescription => ({
  name, version: '1.0.0', title: name[0]!.toUpperCase() + name.slice(1), description: `The ${name} plugin.`, category, inputs, outputs, config, volatile: false,
});

export const testPlugins: PluginDescription[] = [
  plugin('collect', 'input', [], [port('data', 'dataset')], { type: 'object', required: ['path'], properties: { path: { type: 'string', minLength: 1, description: 'Files to read.' } } }),
  plugin('clean', 'clean', [port('data', 'dataset')], [port('data', 'dataset'), port('report', 'json')]),
  plugin('integrate', 'transform', [port('data', 'dataset', { many: true })], [port('data', 'dataset')]),
  plugin('train', 'train', [port('interactions', 'dataset'), port('items', 'dataset', { optional: true })], [port('model', 'model')]),
  plugin('evaluate', 'evaluate', [port('candidate', 'model'), port('baselines', 'model', { many: true, optional: true }), port('test', 'dataset')], [port('metrics', 'metrics')]),
  plugin('noop', 'utility', [port('in', 'any', { optional: true })], [port('out', 'any')]),
];

export const testIndex = indexPlugins(testPlugins);
