/**
 * The run dock (bottom of the editor): Run (engine, params) and Cancel, the run's status and elapsed time, the
 * selected node's outputs, charts and logs, the run's timeline, and the workflow's past runs.
 *
 * NOTE: Run always sends the canvas's document inline (`startRun({ workflow, params, engine })`), saved or not: it
 * runs exactly what is on screen, and the server validates it against the same workflows directory (relative
 * paths resolve as for the saved file), so a saved, unchanged workflow runs the same either way.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { RunDockProps, RunNodes } from '../contracts';
import { foldNodes, viewsFromStates } from '../api/fold-nodes';
import { RunSocket } from '../api/socket';
import { ErrorNote } from './ErrorNote';
import { NodeDetails, formatMs } from './NodeDetails';
import { ParamsForm } from './ParamsForm';
import { paramFields, paramValues, type FieldValue } from './params';
import { RunHistory } from './RunHistory';
import { Timeline } from './Timeline';
import { outputsOf, phaseOf, POLL_MS, stale, timesOf, useRunData, type RunPhase, type RunSubscriber } from './useRun';
import './run.css';

type Engine = 'embedded' | 'temporal';
const LIVE: readonly RunPhase[] = ['starting', 'queued', 'running'];

export interface RunDockTestProps {
  /** Tests pass a fake; default: a socket.io connection with the API's token. */
  readonly socket?: RunSubscriber;
}

export function RunDock(props: RunDockProps & RunDockTestProps) {
  const { api, document, selectedNode } = props;
  const socket = useSocket(api, props.socket);
  const fields = useMemo(() => paramFields(document), [document.params]);
  const [raw, setRaw] = useState<Record<string, FieldValue>>({});
  const [paramErrors, setParamErrors] = useState<Record<string, string>>({});
  const [engine, setEngine] = useState<Engine>('embedded');
  const [run, setRun] = useState<{ runId: string; initial: RunPhase }>();
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<unknown>();
  const [tab, setTab] = useState<'node' | 'timeline'>('node');

  const data = useRunData(api, socket, run?.runId);
  const phase: RunPhase = starting ? 'starting' : run ? phaseOf(data, run.initial) : 'idle';
  const live = LIVE.includes(phase);
  const now = useNow(live);
  const times = timesOf(data);

  // The callbacks are read through refs: a parent passing new arrow functions must not re-fire the effects.
  const callbacks = useRef(props);
  callbacks.current = props;

  const runId = run?.runId;
  const decide = useCallback(
    (nodeId: string) => (approve: boolean, reason?: string) => {
      if (runId) api.approve(runId, nodeId, approve, reason).catch(setError);
    },
    [api, runId],
  );
  const nodeIds = useMemo(() => document.nodes.map((n) => n.id), [document.nodes]);
  const nodes: RunNodes = useMemo(() => {
    if (!run) return {};
    if (stale(data) || (data.events.length === 0 && data.fallback)) return viewsFromStates(data.fallback!.nodes);
    return foldNodes(data.events, { ...(live ? { nodeIds } : {}), decide });
  }, [run, data, live, nodeIds, decide]);
  useEffect(() => {
    callbacks.current.onNodes(nodes);
  }, [nodes]);
  const outputs = useMemo(() => outputsOf(data), [data]);

  const start = async () => {
    callbacks.current.onStart?.();
    const { values, errors } = paramValues(fields, raw);
    setParamErrors(errors);
    if (Object.keys(errors).length > 0) return;
    setError(undefined);
    setStarting(true);
    try {
      const started = await api.startRun({ workflow: document, params: values, engine });
      setRun({ runId: started.runId, initial: started.status });
    } catch (e) {
      setError(e);
    } finally {
      setStarting(false);
    }
  };

  const cancel = () => {
    if (runId) api.cancel(runId).catch(setError);
  };

  const selected = selectedNode ? document.nodes.find((n) => n.id === selectedNode) : undefined;
  return (
    <section className="run-dock" aria-label="run">
      <div className="run-toolbar" role="toolbar" aria-label="run controls">
        <button type="button" className="primary" onClick={() => void start()} disabled={starting || (live && phase !== 'idle')}>
          Run
        </button>
        {live && runId && (
          <button type="button" onClick={cancel}>
            Cancel
          </button>
        )}
        <label className="run-engine">
          Engine
          <select value={engine} onChange={(e) => setEngine(e.target.value as Engine)} disabled={starting}>
            <option value="embedded">embedded</option>
            <option value="temporal">temporal</option>
          </select>
        </label>
        <span className={`run-status status-${phase}`} data-testid="run-status" data-status={phase} role="status">
          {phase === 'idle' ? 'not run' : phase}
        </span>
        {times.startedAt !== undefined && <span className="run-elapsed" data-testid="run-elapsed">{formatMs((times.finishedAt ?? now) - times.startedAt)}</span>}
        {runId && <code className="run-id" title="run id">{runId}</code>}
      </div>
      {data.socketError && (
        <p className="run-stale" role="status" data-testid="run-live-note">
          Live updates unavailable — {data.socketError.message}; showing the last known state
          {live ? ` (checked every ${POLL_MS / 1000} s)` : ''}.
        </p>
      )}
      {error !== undefined && <ErrorNote error={error} testId="run-error" onDismiss={() => setError(undefined)} />}
      <div className="run-body">
        <aside className="run-side">
          <ParamsForm fields={fields} values={raw} errors={paramErrors} disabled={starting} onChange={(name, value) => setRaw((r) => ({ ...r, [name]: value }))} />
          <RunHistory api={api} workflow={document.name} currentRunId={runId} refreshKey={`${runId}:${live}`} onOpen={(r) => setRun({ runId: r.runId, initial: r.status as RunPhase })} />
        </aside>
        <div className="run-main">
          <div role="tablist" aria-label="run views" className="run-tabs">
            <button type="button" role="tab" aria-selected={tab === 'node'} onClick={() => setTab('node')}>
              Node{selectedNode ? `: ${selectedNode}` : ''}
            </button>
            <button type="button" role="tab" aria-selected={tab === 'timeline'} onClick={() => setTab('timeline')}>
              Timeline
            </button>
          </div>
          <div role="tabpanel" className="run-panel">
            {tab === 'timeline' ? (
              <Timeline events={data.events} now={now} selectedNode={selectedNode} onSelectNode={(id) => callbacks.current.onSelectNode(id)} />
            ) : !runId ? (
              <p className="run-muted">Run the workflow, or open a past run, to see its nodes' outputs and logs here.</p>
            ) : !selectedNode ? (
              <p className="run-muted">Select a node on the canvas (or in the timeline) to see its outputs, charts and logs.</p>
            ) : (
              <NodeDetails key={`${runId}/${selectedNode}`} api={api} runId={runId} nodeId={selectedNode} plugin={selected?.plugin} view={nodes[selectedNode]} outputs={outputs[selectedNode]} events={data.events} />
            )}
          </div>
        </div>
      </div>
    </section>
  );
}

function useSocket(api: RunDockProps['api'], injected: RunSubscriber | undefined): RunSubscriber | undefined {
  const [socket, setSocket] = useState<RunSubscriber | undefined>(injected);
  // The handshake carries the token, so a token entered at the prompt (same ApiClient) needs a new connection.
  const token = api.token;
  useEffect(() => {
    if (injected) return setSocket(injected);
    const created = new RunSocket({ ...(token ? { token } : {}) });
    setSocket(created);
    return () => created.close();
  }, [api, injected, token]);
  return socket;
}

/** The wall clock, ticking each second while `ticking`. */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setNow(Date.now());
    if (!ticking) return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [ticking]);
  return now;
}
