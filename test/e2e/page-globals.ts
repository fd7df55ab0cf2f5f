/**
 * What the callbacks passed to `page.evaluate` use of the browser, typed for the Node-side type-check (the root
 * tsconfig has no DOM lib): the editor's `window.__loom` handle (ui/src/editor/hook.ts) and localStorage.
 */
import type { WorkflowDoc } from '../../engine/workflow/schema.js';

export interface LoomHook {
  loadDocument(doc: WorkflowDoc): Promise<void>;
  ready(): Promise<void>;
  document(): WorkflowDoc;
}

declare global {
  var window: { __loom?: LoomHook };
  var localStorage: { setItem(key: string, value: string): void; removeItem(key: string): void };
}
