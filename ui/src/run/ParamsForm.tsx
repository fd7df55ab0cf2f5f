/** The run's params, one field per param of the document, typed by its `type` (see params.ts). */
import type { FieldValue, ParamField } from './params';
import { initialValue } from './params';

export interface ParamsFormProps {
  readonly fields: readonly ParamField[];
  readonly values: Readonly<Record<string, FieldValue>>;
  readonly errors: Readonly<Record<string, string>>;
  readonly onChange: (name: string, value: FieldValue) => void;
  readonly disabled?: boolean;
}

export function ParamsForm({ fields, values, errors, onChange, disabled }: ParamsFormProps) {
  if (fields.length === 0) return <p className="run-muted" data-testid="params-form">This workflow has no params.</p>;
  return (
    <fieldset className="params-form" data-testid="params-form" disabled={disabled}>
      <legend>Params</legend>
      {fields.map((field) => {
        const id = `param-${field.name}`;
        const value = values[field.name] ?? initialValue(field);
        const error = errors[field.name];
        const describedBy = [field.description ? `${id}-help` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
        const common = { id, name: field.name, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy, 'data-type': field.type };
        return (
          <div className={`param-field param-${field.type}`} key={field.name}>
            <label htmlFor={id}>
              {field.name} <span className="param-type">{field.type}</span>
            </label>
            {field.type === 'boolean' ? (
              <input {...common} type="checkbox" checked={value === true} onChange={(e) => onChange(field.name, e.target.checked)} />
            ) : field.enum ? (
              <select {...common} value={String(value)} onChange={(e) => onChange(field.name, e.target.value)}>
                <option value="">(default)</option>
                {field.enum.map((option, i) => (
                  <option key={i} value={String(i)}>
                    {typeof option === 'string' ? option : JSON.stringify(option)}
                  </option>
                ))}
              </select>
            ) : field.type === 'object' || field.type === 'array' ? (
              <textarea {...common} rows={2} spellCheck={false} value={String(value)} onChange={(e) => onChange(field.name, e.target.value)} />
            ) : (
              <input
                {...common}
                type={field.type === 'string' ? 'text' : 'number'}
                step={field.type === 'integer' ? 1 : 'any'}
                value={String(value)}
                placeholder={field.default === undefined ? 'required' : undefined}
                onChange={(e) => onChange(field.name, e.target.value)}
              />
            )}
            {field.description && (
              <small id={`${id}-help`} className="param-help">
                {field.description}
              </small>
            )}
            {error && (
              <small id={`${id}-error`} className="param-error" role="alert">
                {error}
              </small>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}
