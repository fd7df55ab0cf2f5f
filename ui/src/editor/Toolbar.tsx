/** The editor's toolbar: files (New, Open, Save, Import, Export), edits (Undo, Redo), view (Auto-layout, Fit). */
import { useRef, useState } from 'react';
import type { ApiClient } from '../api/client';
import type { WorkflowDoc } from '../api/types';
import { OpenDialog, SaveDialog } from './FileDialogs';
import { exportDocument, parseDocument } from './files';
import type { ValidationView } from './useValidation';

export interface ToolbarProps {
  readonly api: ApiClient;
  readonly doc: WorkflowDoc;
  readonly savedName: string | undefined;
  readonly dirty: boolean;
  readonly canUndo: boolean;
  readonly canRedo: boolean;
  readonly validation: ValidationView['state'];
  readonly onNew: () => void;
  readonly onOpen: (name: string) => void;
  /** Saves under the saved name, or under `asName`; answers 'ask' when a name is needed. */
  readonly onSave: (asName?: string) => Promise<'ask' | 'done'>;
  readonly onImport: (doc: WorkflowDoc) => void;
  readonly onError: (message: string) => void;
  readonly onUndo: () => void;
  readonly onRedo: () => void;
  readonly onLayout: () => void;
  readonly onFit: () => void;
}

const mod = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform) ? '⌘' : 'Ctrl+';

export function Toolbar(p: ToolbarProps) {
  const [dialog, setDialog] = useState<'open' | 'save'>();
  const file = useRef<HTMLInputElement>(null);
  const onFile = async (input: HTMLInputElement) => {
    const chosen = input.files?.[0];
    input.value = '';
    if (!chosen) return;
    try {
      p.onImport(parseDocument(await chosen.text()));
    } catch (e) {
      p.onError(`Could not import ${chosen.name}: ${(e as Error).message}`);
    }
  };
  return (
    <div className="toolbar" role="toolbar" aria-label="Workflow">
      <div className="toolbar-name" title={p.doc.title}>
        <span className="wf-name" data-testid="workflow-name">{p.savedName ?? p.doc.name}</span>
        {p.dirty ? <span className="dirty" title="Unsaved changes" aria-label="unsaved changes">●</span> : null}
        <span className={`validity ${p.validation}`} data-testid="validity">{p.validation === 'valid' ? 'valid' : p.validation === 'invalid' ? 'invalid' : p.validation === 'checking' ? 'checking…' : ''}</span>
      </div>
      <div className="toolbar-group">
        <button type="button" onClick={p.onNew}>New</button>
        <button type="button" onClick={() => setDialog('open')}>Open</button>
        <button type="button" data-action="save" title={`Save (${mod}S)`} onClick={() => void p.onSave().then((r) => r === 'ask' && setDialog('save'))}>Save</button>
        <button type="button" onClick={() => file.current?.click()}>Import</button>
        <input ref={file} type="file" accept=".json,application/json" hidden aria-label="Import a workflow file" data-testid="import-file" onChange={(e) => void onFile(e.currentTarget)} />
        <button type="button" onClick={() => exportDocument(p.doc)}>Export</button>
      </div>
      <div className="toolbar-group">
        <button type="button" onClick={p.onUndo} disabled={!p.canUndo} title={`Undo (${mod}Z)`}>Undo</button>
        <button type="button" onClick={p.onRedo} disabled={!p.canRedo} title={`Redo (${mod}Shift+Z)`}>Redo</button>
      </div>
      <div className="toolbar-group">
        <button type="button" onClick={p.onLayout} title="Lay the graph out left to right (Shift+L)">Auto-layout</button>
        <button type="button" onClick={p.onFit} title="Fit the graph in view (Shift+F)">Fit view</button>
      </div>
      {dialog === 'open' ? <OpenDialog api={p.api} onClose={() => setDialog(undefined)} onOpen={(name) => (setDialog(undefined), p.onOpen(name))} /> : null}
      {dialog === 'save' ? (
        <SaveDialog initial={p.doc.name === 'untitled' ? '' : p.doc.name} onClose={() => setDialog(undefined)} onSave={(name) => (setDialog(undefined), void p.onSave(name))} />
      ) : null}
    </div>
  );
}
