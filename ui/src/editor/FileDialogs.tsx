/** The Open list (saved workflows from the server) and the Save-as name prompt. */
import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/client';
import type { WorkflowSummary } from '../api/types';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function OpenDialog({ api, onOpen, onClose }: { api: ApiClient; onOpen: (name: string) => void; onClose: () => void }) {
  const [list, setList] = useState<readonly WorkflowSummary[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    api.workflows().then(setList, (e: Error) => setError(e.message));
  }, [api]);
  return (
    <div className="dialog-backdrop" onClick={onClose}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label="Open a workflow" onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
        <h2>Open a workflow</h2>
        {error ? <p className="field-error" role="alert">{error}</p> : null}
        {!list && !error ? <p className="muted">Loading…</p> : null}
        {list?.length === 0 ? <p className="muted">No saved workflows yet.</p> : null}
        <ul className="open-list">
          {list?.map((w) => (
            <li key={w.name}>
              <button type="button" onClick={() => onOpen(w.name)} data-testid={`open-${w.name}`} autoFocus={w === list[0]}>
                <strong>{w.name}</strong> <span className="muted">{w.nodes} nodes{w.valid ? '' : ' · invalid'}</span>
                {w.title ? <div className="muted small">{w.title}</div> : null}
              </button>
            </li>
          ))}
        </ul>
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>Close</button>
        </div>
      </div>
    </div>
  );
}

export function SaveDialog({ initial, onSave, onClose }: { initial: string; onSave: (name: string) => void; onClose: () => void }) {
  const [name, setName] = useState(initial);
  const ok = NAME.test(name) && name.length <= 100;
  return (
    <div className="dialog-backdrop" onClick={onClose}>
      <form
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-label="Save the workflow"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
        onSubmit={(e) => {
          e.preventDefault();
          if (ok) onSave(name);
        }}
      >
        <h2>Save the workflow</h2>
        <label className="field">
          <span>Workflow name</span>
          <input autoFocus value={name} onChange={(e) => setName(e.target.value)} aria-invalid={!ok} />
          {!ok && name ? <span className="field-error">letters, digits, ".", "_" or "-", starting with a letter or digit</span> : null}
        </label>
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>Close</button>
          <button type="submit" className="primary" disabled={!ok}>OK</button>
        </div>
      </form>
    </div>
  );
}
