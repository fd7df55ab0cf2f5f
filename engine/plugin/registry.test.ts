import { describe, expect, test } from 'vitest';
import { definePlugin, Type } from '../sdk.js';
import { asAnyPlugin } from './define.js';
import { PluginRegistry } from './registry.js';
import type { AnyPlugin } from './types.js';

const version = (v: string) =>
  asAnyPlugin(definePlugin({ name: 'clean', version: v, title: 'Clean', description: 'Cleans.', category: 'clean', outputs: {}, async run() { return {}; } }));

describe('PluginRegistry', () => {
  test('resolves a range to the newest version that satisfies it', () => {
    const registry = new PluginRegistry([version('1.0.0'), version('1.3.2'), version('2.0.0')]);
    expect(registry.get('clean').version).toBe('2.0.0');
    expect(registry.get('clean@^1').version).toBe('1.3.2');
    expect(registry.get('clean@1.0.0').version).toBe('1.0.0');
    expect(registry.lookup('clean@^3')).toEqual({ problem: 'plugin "clean" has version 2.0.0, 1.3.2, 1.0.0, which does not satisfy "^3"' });
  });

  test('register returns a disposable that removes the plugin', () => {
    const registry = new PluginRegistry();
    const handle = registry.register(version('1.0.0'));
    expect(registry.list().map((p) => p.name)).toEqual(['clean']);
    handle.dispose();
    expect(registry.list()).toEqual([]);
    expect(() => registry.get('clean')).toThrow('unknown plugin "clean"');
  });

  test('a broken definition is refused with every reason, naming the plugin', () => {
    const broken = {
      name: 'Bad Name', version: 'one', title: 'x', description: 'x', category: 'x',
      inputs: { 'in put': { type: 'table' } }, outputs: {}, config: { type: 'nonsense' }, run: 'not a function',
    } as unknown as AnyPlugin;
    expect(() => new PluginRegistry([broken])).toThrow(
      [
        'invalid plugin definition:',
        'plugin "Bad Name": name must be a lower-case npm-style name',
        'plugin "Bad Name": version "one" is not a semantic version',
        'plugin "Bad Name": run must be a function',
        'plugin "Bad Name": inputs port "in put" is not a valid port name',
        'plugin "Bad Name": inputs port "in put" has type "table"; use one of dataset, model, metrics, json, file, any',
      ].join('\n'),
    );
  });

  test('the same version twice is refused', () => {
    expect(() => new PluginRegistry([version('1.0.0'), version('1.0.0')])).toThrow('plugin "clean": version 1.0.0 is registered twice');
  });

  test('config validators fill in defaults', () => {
    const plugin = asAnyPlugin(
      definePlugin({
        name: 'p', version: '1.0.0', title: 'P', description: 'P.', category: 'x', outputs: {},
        config: Type.Object({ k: Type.Integer({ default: 10 }) }),
        async run() { return {}; },
      }),
    );
    const config: Record<string, unknown> = {};
    expect(new PluginRegistry([plugin]).configValidator(plugin)(config)).toBe(true);
    expect(config).toEqual({ k: 10 });
  });
});
