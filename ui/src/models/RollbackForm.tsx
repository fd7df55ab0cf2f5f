/**
 * Rollback of the production alias: to the version before (the server's default: the one production pointed at
 * before, skipping what earlier rollbacks undid) or to a chosen version, always with a reason for the history.
 */
import { useState, type FormEvent } from 'react';
import type { ApiClient } from '../api/client';
import type { ModelSummary, ModelVersion } from '../api/types';
import { ModelsError } from './ModelsError';

export interface RollbackFormProps {
  readonly api: ApiClient;
  readonly model: ModelSummary;
  readonly versions: readonly ModelVersion[];
  readonly onDone: () => void;
}

export function RollbackForm({ api, model, versions, onDone }: RollbackFormProps) {
  const [target, setTarget] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const current = model.aliases.production;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (reason.trim() === '') return;
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const { move } = await api.rollback(model.name, reason.trim(), target === '' ? undefined : Number(target));
      setDone(`production moved from ${move.from === null ? 'nothing' : `v${move.from}`} to ${move.to === null ? 'nothing' : `v${move.to}`}`);
      setReason('');
      setTarget('');
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-label="rollback">
      <h3>Rollback</h3>
      <form className="rollback-form" onSubmit={(e) => void submit(e)}>
        <label>
          To version
          <select value={target} onChange={(e) => setTarget(e.target.value)}>
            <option value="">the previous production version</option>
            {versions
              .filter((v) => v.version !== current)
              .map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version} ({v.algorithm}, {v.createdAt.slice(0, 10)})
                </option>
              ))}
          </select>
        </label>
        <label>
          Reason
          <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="why (kept in the alias history)" required />
        </label>
        <button type="submit" disabled={busy || reason.trim() === '' || current === undefined}>
          Rollback
        </button>
        {current === undefined && <span className="models-muted">No production alias to roll back.</span>}
      </form>
      {error !== undefined && <ModelsError error={error} />}
      {done && (
        <p className="models-ok" role="status">
          {done}
        </p>
      )}
    </section>
  );
}
