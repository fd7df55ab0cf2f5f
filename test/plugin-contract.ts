/**
 * The contract every plugin keeps, run by each plugin's own test file: `pluginContract(plugin)`.
 * It checks the definition the way the registry and the editor will read it.
 */
import { describe, expect, test } from 'vitest';
import { describePlugin } from '../engine/plugin/describe.js';
import { PluginRegistry } from '../engine/plugin/registry.js';
import type { AnyPlugin } from '../engine/plugin/types.js';

export function pluginContract(plugin: AnyPlugin): void {
  describe(`plugin contract: ${plugin.name}`, () => {
    test('the registry accepts its definition', () => {
      expect(() => new PluginRegistry([plugin])).not.toThrow();
    });

    test('it describes itself for the palette: title, description, category, typed ports', () => {
      const described = describePlugin(plugin);
      expect(described.title.length).toBeGreaterThan(0);
      expect(described.description.length).toBeGreaterThan(10);
      expect(described.category).toMatch(/^[a-z-]+$/);
      expect(JSON.parse(JSON.stringify(described))).toEqual(described);
    });

    test('its config schema is an object schema whose defaults validate where nothing is required', () => {
      const schema = describePlugin(plugin).config as { type?: string; required?: string[] };
      expect(schema.type).toBe('object');
      if (!schema.required?.length) {
        const registry = new PluginRegistry([plugin]);
        const validate = registry.configValidator(plugin);
        expect(validate({}), JSON.stringify(validate.errors)).toBe(true);
      }
    });
  });
}
