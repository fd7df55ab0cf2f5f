/** Writes workflows/workflow.schema.json from the TypeBox definition the engine validates with. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { workflowJsonSchema } from '../engine/workflow/schema.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../workflows/workflow.schema.json', import.meta.url));

export function schemaText(): string {
  return `${JSON.stringify(workflowJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, schemaText());
  console.log(`wrote ${SCHEMA_FILE}`);
}
