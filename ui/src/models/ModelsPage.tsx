/**
 * The models page: registered models, the chosen one's versions (key metrics, algorithm, who and when, sealed or
 * not, the aliases on each), the production alias, its history (rollbacks marked) and a rollback (admin only;
 * the server refuses others with 403, shown as such).
 */
import { useCallback, useEffect, useState } from 'react';
import type { ModelsPageProps } from '../contracts';
import type { AliasMove, ModelSummary, ModelVersion } from '../api/types';
import { ModelsError } from './ModelsError';
import { RollbackForm } from './RollbackForm';
import { keyMetrics } from './key-metrics';
import './models.css';

const PRODUCTION = 'production';
/** An ISO time (UTC) as `2024-05-01 12:30:00`. */
const when = (iso: string) => iso.replace('T', ' ').slice(0, 19);

interface Detail {
  readonly name: string;
  readonly versions: readonly ModelVersion[];
  readonly history: readonly AliasMove[];
}

export function ModelsPage({ api }: ModelsPageProps) {
  const [models, setModels] = useState<ModelSummary[]>();
  const [chosen, setChosen] = useState<string>();
  const [detail, setDetail] = useState<Detail>();
  const [error, setError] = useState<unknown>();
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let live = true;
    api.models().then(
      (list) => {
        if (!live) return;
        setModels(list);
        setChosen((c) => c ?? list[0]?.name);
      },
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [api, reload]);

  useEffect(() => {
    if (!chosen) return;
    let live = true;
    // The shown detail stays up while it is refetched (after a rollback), so the rollback form keeps its message.
    Promise.all([api.versions(chosen), api.history(chosen)]).then(
      ([versions, history]) => live && setDetail({ name: chosen, versions, history }),
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [api, chosen, reload]);

  const model = models?.find((m) => m.name === chosen);
  const shown = detail?.name === chosen ? detail : undefined;
  const refresh = useCallback(() => setReload((n) => n + 1), []);

  return (
    <div className="models-page">
      <nav className="models-list" aria-label="models">
        <h2>Models</h2>
        {models?.length === 0 && <p className="models-muted">No model is registered yet: a workflow's publish node registers one.</p>}
        <ul data-testid="models-list">
          {models?.map((m) => (
            <li key={m.name}>
              <button type="button" aria-current={m.name === chosen || undefined} onClick={() => setChosen(m.name)}>
                {m.name}
                <small>
                  {m.versions} version{m.versions === 1 ? '' : 's'}
                  {m.aliases[PRODUCTION] !== undefined ? ` · production v${m.aliases[PRODUCTION]}` : ' · no production'}
                </small>
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main className="model-detail">
        {error !== undefined && <ModelsError error={error} onDismiss={() => setError(undefined)} />}
        {model && (
          <>
            <h2>{model.name}</h2>
            <div className="model-summary">
              <span data-testid="production-alias">
                production: {model.aliases[PRODUCTION] !== undefined ? <strong>version {model.aliases[PRODUCTION]}</strong> : <em>not set</em>}
              </span>
              {model.serving && <span className="models-muted">serving version {model.serving.version} since {when(model.serving.loadedAt)}</span>}
              <span className="models-muted">latest version {model.latest}</span>
            </div>
            {shown && <RollbackForm api={api} model={model} versions={shown.versions} onDone={refresh} />}
            {shown ? <Versions model={model} versions={shown.versions} /> : <p className="models-muted">Loading…</p>}
            {shown && <History moves={shown.history} />}
          </>
        )}
      </main>
    </div>
  );
}

function Versions({ model, versions }: { model: ModelSummary; versions: readonly ModelVersion[] }) {
  const aliasesOf = (v: number) => Object.entries(model.aliases).filter(([, to]) => to === v).map(([alias]) => alias);
  const metricNames = keyMetrics(versions);
  return (
    <section aria-label="versions">
      <h3>Versions</h3>
      <table className="models-table" data-testid="model-versions">
        <thead>
          <tr>
            <th scope="col">version</th>
            <th scope="col">aliases</th>
            <th scope="col">algorithm</th>
            {metricNames.map((m) => (
              <th scope="col" key={m}>{m}</th>
            ))}
            <th scope="col">created</th>
            <th scope="col">by</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => {
            const aliases = aliasesOf(v.version);
            return (
              <tr key={v.version} data-version={v.version} className={aliases.includes(PRODUCTION) ? 'production' : undefined}>
                <th scope="row">
                  v{v.version} {v.encrypted && <span className="badge encrypted">encrypted</span>}
                </th>
                <td>
                  {aliases.map((a) => (
                    <span key={a} className={`badge alias${a === PRODUCTION ? ' production' : ''}`}>
                      {a}
                    </span>
                  ))}
                </td>
                <td>{v.algorithm}</td>
                {metricNames.map((m) => (
                  <td key={m} className="num">
                    {typeof v.metrics[m] === 'number' ? (v.metrics[m] as number).toFixed(4) : '—'}
                  </td>
                ))}
                <td>{when(v.createdAt)}</td>
                <td>{v.createdBy}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

function History({ moves }: { moves: readonly AliasMove[] }) {
  const newestFirst = [...moves].reverse();
  const v = (n: number | null) => (n === null ? '∅' : `v${n}`);
  return (
    <section aria-label="alias history">
      <h3>Alias history</h3>
      {moves.length === 0 && <p className="models-muted">No alias was ever moved.</p>}
      <table className="models-table" data-testid="alias-history">
        <thead>
          <tr>
            <th scope="col">when</th>
            <th scope="col">alias</th>
            <th scope="col">move</th>
            <th scope="col">who</th>
            <th scope="col">why</th>
          </tr>
        </thead>
        <tbody>
          {newestFirst.map((m) => (
            <tr key={m.id} className={m.kind === 'rollback' ? 'rollback' : undefined} data-kind={m.kind}>
              <td>{when(m.at)}</td>
              <td>{m.alias}</td>
              <td>
                {v(m.from)} → {v(m.to)} {m.kind === 'rollback' && <span className="badge rollback">rollback</span>}
              </td>
              <td>{m.actor}</td>
              <td>{m.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
