/** The published schema and the shipped workflows stay true to the engine. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { createAjv } from '../engine/ajv.js';
import { PluginRegistry } from '../engine/plugin/registry.js';
import { validateWorkflow } from '../engine/workflow/validate.js';
import { builtinPlugins } from '../plugins/builtin.js';
import { SCHEMA_FILE, schemaText } from '../scripts/write-schema.js';

const workflows = fileURLToPath(new URL('../workflows/', import.meta.url));
const files = [
  ...readdirSync(workflows).filter((f) => f.endsWith('.json') && f !== 'workflow.schema.json'),
  ...readdirSync(`${workflows}examples`).filter((f) => f.endsWith('.json')).map((f) => `examples/${f}`),
];

test('workflows/workflow.schema.json is what the engine validates with (run `npm run schema` after changing it)', () => {
  expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(schemaText());
});

test.each(files)('workflows/%s is valid, by the engine and by the published schema alone', (name) => {
  const text = readFileSync(workflows + name, 'utf8');
  expect(validateWorkflow(text, new PluginRegistry(builtinPlugins)).problems).toEqual([]);
  const validate = createAjv().compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
  expect(validate(JSON.parse(text)), JSON.stringify(validate.errors)).toBe(true);
});
