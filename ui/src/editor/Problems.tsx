/** The validation problems of the document; a problem on a node selects it when clicked. */
import { memo } from 'react';
import type { ValidationView } from './useValidation';

function ProblemsView({ validation, onPick }: { validation: ValidationView; onPick: (nodeId: string) => void }) {
  const { state, located, error } = validation;
  return (
    <section className="problems" data-testid="problems" data-state={state} aria-label="Problems">
      <h3>
        Problems <span className={`badge ${state}`}>{state === 'invalid' ? located.length : state === 'valid' ? 'none' : state === 'checking' ? '…' : state === 'unavailable' ? '?' : ''}</span>
      </h3>
      {state === 'unavailable' ? <p className="muted">Validation unavailable: {error}</p> : null}
      {located.length > 0 ? (
        <ul>
          {located.map((p, i) => (
            <li key={`${p.pointer}:${i}`}>
              {p.nodeId ? (
                <button type="button" className="problem" data-node={p.nodeId} onClick={() => onPick(p.nodeId!)}>
                  <strong>{p.nodeId}</strong>
                  {p.field?.length ? <code>{p.field.join('.')}</code> : null} {p.message}
                </button>
              ) : (
                <span className="problem">
                  <code>{p.pointer || '/'}</code> {p.message}
                </span>
              )}
            </li>
          ))}
        </ul>
      ) : state === 'valid' ? <p className="muted">The workflow is valid.</p> : null}
    </section>
  );
}

export const Problems = memo(ProblemsView);
