/**
 * The one node component, drawn from the plugin's description: a handle per named port (inputs left, outputs
 * right) coloured by type, the run state (colour, progress bar, failure, Approve/Reject on a waiting gate) and
 * the node's validation problems. Memoised: a 500-node canvas redraws only the nodes whose data changed.
 */
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { PortDescription } from '../api/types';
import { AFTER_IN, AFTER_OUT, inHandle, outHandle, type PluginFlowNode } from './graph';
import { pluginName } from './plugins';

const unknownPort = (name: string): PortDescription => ({ name, type: 'any', title: name, description: '', optional: true, many: false });

function PortRow({ nodeId, input, output }: { nodeId: string; input?: PortDescription; output?: PortDescription }) {
  return (
    <div className="pnode-port-row">
      {input ? (
        <div className={`pnode-port in port-${input.type}`} title={`${input.name}: ${input.type}${input.many ? ', takes many' : ''}${input.optional ? ', optional' : ''}${input.description ? ` — ${input.description}` : ''}`}>
          <Handle type="target" position={Position.Left} id={inHandle(input.name)} className={`handle port-${input.type}${input.many ? ' many' : ''}`} data-testid={`handle-${nodeId}-in-${input.name}`} />
          <span>{input.name}{input.optional ? '' : '*'}</span>
        </div>
      ) : <div />}
      {output ? (
        <div className={`pnode-port out port-${output.type}`} title={`${output.name}: ${output.type}${output.description ? ` — ${output.description}` : ''}`}>
          <span>{output.name}</span>
          <Handle type="source" position={Position.Right} id={outHandle(output.name)} className={`handle port-${output.type}`} data-testid={`handle-${nodeId}-out-${output.name}`} />
        </div>
      ) : <div />}
    </div>
  );
}

function PluginNodeView({ id, data, selected }: NodeProps<PluginFlowNode>) {
  const { node, plugin, problems, run } = data;
  const inputs = plugin?.inputs ?? Object.keys(node.inputs ?? {}).map(unknownPort);
  const outputs = plugin?.outputs ?? [];
  const rows = Math.max(inputs.length, outputs.length);
  const status = run?.status ?? 'idle';
  return (
    <div
      className={`pnode status-${status}${selected ? ' selected' : ''}${problems ? ' invalid' : ''}`}
      data-testid={`node-${id}`}
      data-status={status}
      data-invalid={problems ? 'true' : undefined}
      data-plugin={plugin?.name ?? pluginName(node.plugin)}
    >
      <Handle type="target" position={Position.Top} id={AFTER_IN} className="after-handle" isConnectable={false} />
      <div className={`pnode-header cat-${plugin?.category ?? 'unknown'}`}>
        <div className="pnode-title">{node.title ?? plugin?.title ?? node.plugin}</div>
        <div className="pnode-sub">
          <span className="pnode-id">{id}</span> · {plugin ? plugin.name : <span className="pnode-unknown">unknown plugin {node.plugin}</span>}
          {run?.cached ? <span className="pnode-badge">cached</span> : null}
        </div>
      </div>
      <div className="pnode-ports">
        {Array.from({ length: rows }, (_, i) => <PortRow key={i} nodeId={id} input={inputs[i]} output={outputs[i]} />)}
      </div>
      {status === 'running' ? (
        <div className="pnode-progress" role="progressbar" aria-label={`${id} progress`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={run?.fraction === undefined ? undefined : Math.round(run.fraction * 100)}>
          <div className={run?.fraction === undefined ? 'indeterminate' : ''} style={run?.fraction === undefined ? undefined : { width: `${Math.round(run.fraction * 100)}%` }} />
        </div>
      ) : null}
      {run?.message && status === 'running' ? <div className="pnode-message">{run.message}</div> : null}
      {run?.error ? <div className="pnode-error" role="alert" data-testid={`node-error-${id}`}>{run.error}</div> : null}
      {run?.status === 'waiting' && run.decide ? (
        <div className="pnode-gate nodrag">
          <button type="button" className="approve" onClick={() => run.decide?.(true)}>Approve</button>
          <button type="button" className="reject" onClick={() => run.decide?.(false, window.prompt?.('Why reject?') ?? undefined)}>Reject</button>
        </div>
      ) : null}
      {problems ? (
        <div className="pnode-problems" data-testid={`node-problems-${id}`}>
          {problems[0]}
          {problems.length > 1 ? <span className="more"> (+{problems.length - 1} more)</span> : null}
        </div>
      ) : null}
      <Handle type="source" position={Position.Bottom} id={AFTER_OUT} className="after-handle" isConnectable={false} />
    </div>
  );
}

export const PluginNode = memo(PluginNodeView);
export const nodeTypes = { plugin: PluginNode };
