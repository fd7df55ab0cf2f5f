/**
 * The workflow's params (name, type, default, description): values a run is given, referenced from configs as
 * `${params.name}`. A default is typed as JSON for objects and arrays, and read as the param's type otherwise.
 */
import { useState } from 'react';
import type { WorkflowDoc } from '../api/types';
import { paramRef } from './form-schema';
import type { Located } from './pointers';

type Params = NonNullable<WorkflowDoc['params']>;
type Param = Params[string];
const TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array'] as const;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function parseDefault(type: Param['type'], text: string): unknown {
  if (text === '') return undefined;
  if (type === 'string') return text;
  if (type === 'boolean') return text === 'true';
  if (type === 'number' || type === 'integer') return Number.isFinite(Number(text)) ? Number(text) : text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const showDefault = (value: unknown) => (value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value));

export function ParamsEditor({ doc, located, onChange }: { doc: WorkflowDoc; located: readonly Located[]; onChange: (doc: WorkflowDoc, tag: string) => void }) {
  const params = doc.params ?? {};
  const [newName, setNewName] = useState('');
  const set = (next: Params, tag: string) => {
    const { params: _old, ...rest } = doc;
    const withParams = Object.keys(next).length > 0 ? { ...rest, params: next } : rest;
    // Params sit before the nodes, where the format's examples put them.
    const { nodes, ...head } = withParams as WorkflowDoc;
    onChange({ ...head, nodes } as WorkflowDoc, tag);
  };
  const update = (name: string, patch: Partial<Param>) => {
    const merged = { ...params[name], ...patch } as Record<string, unknown>;
    for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
    set({ ...params, [name]: merged as Param }, `param:${name}`);
  };
  const wanted = newName.trim();
  const addable = PARAM_NAME.test(wanted) && !(wanted in params);
  const add = () => {
    if (!addable) return;
    set({ ...params, [wanted]: { type: 'string' } }, `param-add:${wanted}`);
    setNewName('');
  };
  const remove = (name: string) => {
    const { [name]: _gone, ...rest } = params;
    set(rest, `param-remove:${name}`);
  };
  return (
    <section className="params" aria-label="Params">
      <h3 className="panel-section">Params</h3>
      {Object.entries(params).map(([name, p]) => {
        const problems = located.filter((l) => l.param === name);
        return (
          <fieldset key={name} className="param" data-testid={`param-${name}`}>
            <legend><code>{paramRef(name)}</code></legend>
            <label className="field inline">
              <span>Type</span>
              <select value={p.type} onChange={(e) => update(name, { type: e.target.value as Param['type'] })}>
                {TYPES.map((t) => <option key={t}>{t}</option>)}
              </select>
            </label>
            <label className="field inline">
              <span>Default</span>
              <input value={showDefault(p.default)} onChange={(e) => update(name, { default: parseDefault(p.type, e.target.value) })} />
            </label>
            <label className="field">
              <span>Description</span>
              <input value={p.description ?? ''} onChange={(e) => update(name, { description: e.target.value || undefined })} />
            </label>
            {problems.map((l, i) => <div key={i} className="field-error" role="alert">{l.message}</div>)}
            <button type="button" className="link danger" onClick={() => remove(name)}>Remove param {name}</button>
          </fieldset>
        );
      })}
      <div className="param-add">
        <label className="field inline">
          <span>New param</span>
          <input value={newName} placeholder="name" onChange={(e) => setNewName(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && add()} />
        </label>
        <button type="button" onClick={add} disabled={!addable}>Add param</button>
      </div>
    </section>
  );
}
