/** Import and export of workflow files: the document as it is saved, so an exported file runs from the CLI. */
import type { WorkflowDoc } from '../api/types';

export function exportDocument(doc: WorkflowDoc): void {
  const blob = new Blob([`${JSON.stringify(doc, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = `${doc.name || 'workflow'}.json`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A file's text as a workflow document: refused with a sentence when it is not one at all (details are the validator's). */
export function parseDocument(text: string): WorkflowDoc {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a workflow: a workflow file is a JSON object');
  const doc = value as Partial<WorkflowDoc>;
  if (!Array.isArray(doc.nodes)) throw new Error('not a workflow: it has no "nodes" list');
  if (doc.nodes.some((n) => typeof n !== 'object' || n === null || typeof (n as { id?: unknown }).id !== 'string'))
    throw new Error('not a workflow: every node needs a string "id"');
  return value as WorkflowDoc;
}
