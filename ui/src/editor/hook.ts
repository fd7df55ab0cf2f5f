/**
 * `window.__loom`: a small handle for benchmarks and browser tests. `loadDocument(doc)` shows a document as Open
 * would (laid out when it has no positions); `ready()` resolves once the canvas shows the current document with
 * every node measured (its handles placed) and a frame has been painted; `document()` is the document now.
 * Installed in every build: it does nothing a user cannot do.
 */
import type { MutableRefObject } from 'react';
import type { WorkflowDoc } from '../api/types';

export interface LoomHook {
  loadDocument(doc: WorkflowDoc): Promise<void>;
  ready(): Promise<void>;
  document(): WorkflowDoc;
}

declare global {
  interface Window {
    __loom?: LoomHook;
  }
}

const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

export function installHook(deps: {
  load: (doc: WorkflowDoc) => Promise<void>;
  current: () => WorkflowDoc;
  shown: MutableRefObject<{ doc: WorkflowDoc | undefined; initialised: boolean }>;
}): () => void {
  const hook: LoomHook = {
    loadDocument: (doc) => deps.load(doc),
    async ready() {
      for (;;) {
        await frame();
        const { doc, initialised } = deps.shown.current;
        if (doc === deps.current() && initialised) break;
      }
      await frame();
    },
    document: () => deps.current(),
  };
  window.__loom = hook;
  return () => {
    if (window.__loom === hook) delete window.__loom;
  };
}
