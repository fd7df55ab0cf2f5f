/**
 * The open document with its undo history, the name it is saved under, and whether it changed since.
 */
import { useCallback, useMemo, useRef, useState } from 'react';
import type { WorkflowDoc } from '../api/types';
import { emptyDocument } from './document';
import { record, redo as redoH, start, undo as undoH, type History } from './history';

export interface OpenDocument {
  readonly doc: WorkflowDoc;
  readonly savedName: string | undefined;
  readonly dirty: boolean;
  readonly canUndo: boolean;
  readonly canRedo: boolean;
  /** An edit: one undo step (edits with the same tag in quick succession are one step). */
  readonly edit: (doc: WorkflowDoc, tag?: string) => void;
  /** Replaces the document and forgets the history (New, Open, Import). */
  readonly load: (doc: WorkflowDoc, savedName?: string) => void;
  readonly markSaved: (doc: WorkflowDoc, name: string) => void;
  readonly undo: () => void;
  readonly redo: () => void;
  /** The latest document, for callbacks that must not re-bind on every edit. */
  readonly current: () => WorkflowDoc;
}

export function useDocument(): OpenDocument {
  const [history, setHistory] = useState<History<WorkflowDoc>>(() => start(emptyDocument()));
  const [saved, setSaved] = useState<{ doc: WorkflowDoc | undefined; name: string | undefined }>({ doc: undefined, name: undefined });
  const latest = useRef(history.present);
  latest.current = history.present;
  const edit = useCallback((doc: WorkflowDoc, tag?: string) => {
    latest.current = doc;
    setHistory((h) => record(h, doc, { tag }));
  }, []);
  const load = useCallback((doc: WorkflowDoc, savedName?: string) => {
    latest.current = doc;
    setHistory(start(doc));
    setSaved({ doc: savedName ? doc : undefined, name: savedName });
  }, []);
  const markSaved = useCallback((doc: WorkflowDoc, name: string) => {
    latest.current = doc;
    setHistory((h) => (h.present === doc ? h : record(h, doc)));
    setSaved({ doc, name });
  }, []);
  const undo = useCallback(() => setHistory(undoH), []);
  const redo = useCallback(() => setHistory(redoH), []);
  const current = useCallback(() => latest.current, []);
  return useMemo(
    () => ({
      doc: history.present,
      savedName: saved.name,
      dirty: history.present !== saved.doc && (saved.doc !== undefined || history.present.nodes.length > 0),
      canUndo: history.past.length > 0,
      canRedo: history.future.length > 0,
      edit, load, markSaved, undo, redo, current,
    }),
    [history, saved, edit, load, markSaved, undo, redo, current],
  );
}
