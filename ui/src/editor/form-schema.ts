/**
 * A plugin's config schema, made ready for the form.
 *
 * 1. Choices written the TypeBox way (`anyOf: [{const: 'a'}, {const: 'b'}]`) become `enum`, so rjsf draws a select.
 * 2. Param references. A string field takes `${params.x}` as it is. A number, integer, boolean or enum field has a
 *    "param" switch (ParamWidgets) that turns it into a text box for a reference; the form's validator then drops
 *    the type/enum errors of any field whose value is an exact reference (`dropParamRefErrors`), and the server's
 *    validation, which knows the params' types, has the last word. NOTE: the alternative, a schema where each such
 *    field is `anyOf: [field, reference]`, makes rjsf draw an option picker on every number, and its errors noisy.
 */
import type { RJSFValidationError } from '@rjsf/utils';

export const PARAM_REF = /^\$\{params\.[A-Za-z_][A-Za-z0-9_]*\}$/;
export const isParamRef = (value: unknown): value is string => typeof value === 'string' && PARAM_REF.test(value);

type Schema = Record<string, unknown>;
export const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const isConst = (v: unknown): v is Schema & { const: unknown } => isObject(v) && 'const' in v;

export function formSchema(schema: unknown): Schema {
  if (!isObject(schema)) return { type: 'object' };
  return normalise(schema) as Schema;
}

function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (!isObject(value)) return value;
  const out: Schema = {};
  for (const [key, v] of Object.entries(value)) out[key] = normalise(v);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const alternatives = out[key];
    if (Array.isArray(alternatives) && alternatives.length > 0 && alternatives.every(isConst)) {
      delete out[key];
      out.enum = alternatives.map((a) => a.const);
      const types = [...new Set(alternatives.map((a) => a.type).filter((t) => typeof t === 'string'))];
      if (out.type === undefined && types.length === 1) out.type = types[0];
    } else if (Array.isArray(alternatives)) {
      // Object alternatives told apart by a constant field (`kind`, `op`) are named by it, not "Option 3".
      out[key] = alternatives.map((a) => {
        const title = isObject(a) && a.title === undefined ? constantOf(a) : undefined;
        return title === undefined ? a : { title, ...(a as Schema) };
      });
    }
  }
  return out;
}

/** The value of an object schema's first constant property, as a title (undefined when it has none). */
function constantOf(schema: Schema): string | undefined {
  const properties = isObject(schema.properties) ? Object.values(schema.properties) : [];
  const fixed = properties.find(isConst);
  return fixed === undefined ? undefined : String(fixed.const);
}

/** The segments of an rjsf error's `property`: `.rules.0.where` and `['rules'][0]['where']` are both rules, 0, where. */
export const propertyParts = (property: string | undefined): string[] => property?.match(/[^.[\]']+/g) ?? [];

/** The value at `parts` in `data` (undefined where the path leaves it). */
export const valueAtParts = (data: unknown, parts: readonly string[]): unknown =>
  parts.reduce<unknown>((at, part) => (isObject(at) || Array.isArray(at) ? (at as Record<string, unknown>)[part] : undefined), data);

/** The value at an rjsf error's `property` (`.rules.0.where`, or `['rules'][0]`), in `data`. */
export const valueAt = (data: unknown, property: string | undefined): unknown => valueAtParts(data, propertyParts(property));

/** Type, enum, pattern and range errors mean nothing for a field that holds a param reference. */
export function dropParamRefErrors(errors: RJSFValidationError[], data: unknown): RJSFValidationError[] {
  return errors.filter((e) => !isParamRef(valueAt(data, e.property)));
}

/** The workflow's param names, for the reference picker. */
export const paramRef = (name: string) => `\${params.${name}}`;

/**
 * `data` without the empty objects of optional properties: rjsf writes `{}` for an optional object whose form
 * section was drawn (annotate's `split.fractions` once `method` is picked), and such a `{}` is then missing the
 * object's required members. Required properties, arrays and every other value are kept as they are.
 */
export function dropEmptyOptional(data: unknown, schema: unknown): unknown {
  if (!isObject(data) || !isObject(schema) || !isObject(schema.properties)) return data;
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const out: Schema = {};
  for (const [key, value] of Object.entries(data)) {
    if (isObject(value) && Object.keys(value).length === 0 && !required.has(key)) continue;
    out[key] = dropEmptyOptional(value, schema.properties[key]);
  }
  return out;
}

/** The rjsf field id an error's `property` (`.rules.0.where`) is drawn under (`root_rules_0_where`). */
export const fieldId = (property: string | undefined) => ['root', ...propertyParts(property)].join('_');

/**
 * The rjsf field an event happened in, from the element's id: `root_rules_0_where`, with rjsf's suffixes for a
 * field's own controls dropped (`root_rules__add`, `root_operation__anyof_select` are the fields `root_rules`,
 * `root_operation`).
 */
export function touchedField(target: EventTarget | null): string | undefined {
  const element = target instanceof Element ? target.closest('[id^="root"]') : null;
  return element?.id.replace(/__.*$/, '').replace(/-\d+$/, '') || undefined;
}

/**
 * The errors worth showing now: those of fields the user touched (or inside one: an array's own error once an item
 * was edited, a union's once one of its fields was), and, after a save was attempted, every missing required field.
 */
export function visibleErrors(errors: RJSFValidationError[], touched: ReadonlySet<string>, attempted: boolean): RJSFValidationError[] {
  return errors.filter((e) => {
    const id = fieldId(e.property);
    for (const t of touched) if (t === id || t.startsWith(`${id}_`)) return true;
    return attempted && e.name === 'required';
  });
}
