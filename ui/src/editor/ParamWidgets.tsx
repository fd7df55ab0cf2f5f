/**
 * rjsf widgets with a "param" switch: a number, integer, boolean or choice field can hold a `${params.x}`
 * reference instead of a value (see form-schema.ts for why it is done in widgets). Plain string fields take a
 * reference as typed text and need no switch.
 */
import { getDefaultRegistry } from '@rjsf/core';
import type { RegistryWidgetsType, WidgetProps } from '@rjsf/utils';
import { useState, type ComponentType } from 'react';
import { isParamRef, paramRef } from './form-schema';

export interface FormContext {
  readonly params: readonly string[];
}

const eligible = (schema: WidgetProps['schema']) =>
  Array.isArray(schema.enum) || ['number', 'integer', 'boolean'].includes(String(schema.type));

function withParamSwitch(Base: ComponentType<WidgetProps>): ComponentType<WidgetProps> {
  return function ParamAware(props: WidgetProps) {
    const { value, onChange, schema, id, registry, label, disabled, readonly } = props;
    const [param, setParam] = useState(() => isParamRef(value));
    if (!eligible(schema)) return <Base {...props} />;
    const params = (registry.formContext as FormContext | undefined)?.params ?? [];
    const toggle = () => {
      if (param) onChange(undefined);
      else onChange(params[0] ? paramRef(params[0]) : '${params.}');
      setParam(!param);
    };
    return (
      <div className="param-aware">
        {param ? (
          <>
            <input
              id={id}
              className="form-control param-input"
              aria-label={`${label || id} (param reference)`}
              value={typeof value === 'string' ? value : ''}
              placeholder="${params.name}"
              list="loom-param-refs"
              disabled={disabled || readonly}
              onChange={(e) => onChange(e.target.value)}
            />
            <datalist id="loom-param-refs">{params.map((p) => <option key={p} value={paramRef(p)} />)}</datalist>
          </>
        ) : (
          <Base {...props} />
        )}
        <button type="button" className={`param-toggle${param ? ' on' : ''}`} aria-pressed={param} aria-label={`${label || id}: use a workflow param`} title="Use a workflow param (${params.name})" onClick={toggle}>
          {'${}'}
        </button>
      </div>
    );
  };
}

const base = getDefaultRegistry().widgets;

export const paramWidgets: RegistryWidgetsType = {
  TextWidget: withParamSwitch(base.TextWidget as ComponentType<WidgetProps>),
  SelectWidget: withParamSwitch(base.SelectWidget as ComponentType<WidgetProps>),
  CheckboxWidget: withParamSwitch(base.CheckboxWidget as ComponentType<WidgetProps>),
  UpDownWidget: withParamSwitch(base.UpDownWidget as ComponentType<WidgetProps>),
};
