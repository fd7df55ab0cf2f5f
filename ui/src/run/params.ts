/**
 * The run's params form, as data: one field per param of the document (its type, default, enum, description),
 * the text a person types, and the typed value the server gets. Kept apart from the component so that the
 * typing rules are pinned by plain tests.
 */
import type { ParamDoc, WorkflowDoc } from '../api/types';

export interface ParamField {
  readonly name: string;
  readonly type: ParamDoc['type'];
  readonly description?: string;
  readonly enum?: readonly unknown[];
  readonly default?: unknown;
}

/** What a field holds while edited: text, or a checkbox's state. */
export type FieldValue = string | boolean;

export function paramFields(doc: Pick<WorkflowDoc, 'params'>): ParamField[] {
  return Object.entries(doc.params ?? {}).map(([name, p]) => ({
    name,
    type: p.type,
    ...(p.description !== undefined ? { description: p.description } : {}),
    ...(p.enum !== undefined ? { enum: p.enum } : {}),
    ...(p.default !== undefined ? { default: p.default } : {}),
  }));
}

/** The field's starting value: its default, shown as it would be typed. */
export function initialValue(field: ParamField): FieldValue {
  if (field.type === 'boolean') return field.default === true;
  if (field.default === undefined) return '';
  if (field.enum) return String(field.enum.findIndex((v) => Object.is(v, field.default)));
  return field.type === 'object' || field.type === 'array' ? JSON.stringify(field.default) : String(field.default);
}

export type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: true; readonly empty: true } | { readonly ok: false; readonly error: string };

/** The typed value of a field, or why it is not one. An enum's value is the index of the chosen option. */
export function parseValue(field: ParamField, raw: FieldValue): Parsed {
  if (field.type === 'boolean') return { ok: true, value: raw === true };
  const text = String(raw).trim();
  if (text === '') return { ok: true, empty: true };
  if (field.enum) {
    const chosen = field.enum[Number(text)];
    return chosen === undefined ? { ok: false, error: 'choose one of the listed values' } : { ok: true, value: chosen };
  }
  switch (field.type) {
    case 'string':
      return { ok: true, value: String(raw) };
    case 'number':
    case 'integer': {
      const n = Number(text);
      if (!Number.isFinite(n)) return { ok: false, error: `${JSON.stringify(text)} is not a number` };
      if (field.type === 'integer' && !Number.isInteger(n)) return { ok: false, error: `${text} is not a whole number` };
      return { ok: true, value: n };
    }
    case 'object':
    case 'array': {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return { ok: false, error: `not JSON; write ${field.type === 'array' ? 'e.g. [1, 2]' : 'e.g. {"a": 1}'}` };
      }
      const isArray = Array.isArray(value);
      const isObject = typeof value === 'object' && value !== null && !isArray;
      if (field.type === 'array' ? !isArray : !isObject) return { ok: false, error: `must be a JSON ${field.type}` };
      return { ok: true, value };
    }
  }
}

/** Every field's typed value (empty fields left out: the server then uses the default or names the missing param). */
export function paramValues(fields: readonly ParamField[], raw: Readonly<Record<string, FieldValue>>): { values: Record<string, unknown>; errors: Record<string, string> } {
  const values: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const parsed = parseValue(field, raw[field.name] ?? initialValue(field));
    if (!parsed.ok) errors[field.name] = parsed.error;
    else if ('value' in parsed) values[field.name] = parsed.value;
  }
  return { values, errors };
}
