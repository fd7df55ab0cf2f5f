/** The published schema and the shipped workflows stay true to the engine. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { createAjv } from '../engine/ajv.js';
import { PluginRegistry } from '../engine/plugin/registry.js';
import { validateWorkflow } from '../engine/workflow/validate.js';
import { builtinPlugins } from '../plugins/builtin.js';
import { SCHEMA_FILE, schemaText } from '../scripts/write-schema.js';

const examples = fileURLToPath(new URL('../workflows/examples/', import.meta.url));

test('workflows/workflow.schema.json is what the engine validates with (run `npm run schema` after changing it)', () => {
  expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(schemaText());
});

test.each(readdirSync(examples).filter((f) => f.endsWith('.json')))('example %s is valid, by the engine and by the published schema alone', (name) => {
  const text = readFileSync(examples + name, 'utf8');
  expect(validateWorkflow(text, new PluginRegistry(builtinPlugins)).problems).toEqual([]);
  const validate = createAjv().compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
  expect(validate(JSON.parse(text)), JSON.stringify(validate.errors)).toBe(true);
});
