/**
 * Workflow params: checking the values given for a run against their declarations, and substituting
 * `${params.name}` references in node configs. A string that is exactly one reference takes the param's
 * value with its type; a reference inside a longer string is replaced by the value's text.
 */
import type { Problem } from '../errors.js';
import { isPlainObject, pointer, pointerToken, type JsonValue } from '../json.js';
import { didYouMean } from '../suggest.js';
import type { ParamDoc, ParamType } from './schema.js';

const REFERENCE = /\$\{params\.([A-Za-z_][A-Za-z0-9_]*)\}/g;
const WHOLE_REFERENCE = /^\$\{params\.([A-Za-z_][A-Za-z0-9_]*)\}$/;

export interface ParamValues {
  /** Every param that has a value, from the run or from its default. */
  readonly values: Record<string, JsonValue>;
  /** Declared params that have neither. */
  readonly missing: ReadonlySet<string>;
  /** Declared params whose given value is wrong (already reported). */
  readonly invalid: ReadonlySet<string>;
}

function typeError(value: unknown, type: ParamType): string | undefined {
  const ok =
    type === 'string' ? typeof value === 'string'
    : type === 'number' ? typeof value === 'number' && Number.isFinite(value)
    : type === 'integer' ? Number.isInteger(value)
    : type === 'boolean' ? typeof value === 'boolean'
    : type === 'array' ? Array.isArray(value)
    : isPlainObject(value);
  return ok ? undefined : `must be ${type === 'integer' || type === 'array' || type === 'object' ? 'an' : 'a'} ${type}, not ${JSON.stringify(value)}`;
}

/** Reads a value typed on a command line (`--param k=v`) as the param's declared type. */
function fromText(text: string, type: ParamType): unknown {
  if (type === 'string') return text;
  if (type === 'number' || type === 'integer') return text.trim() === '' ? text : Number(text);
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function resolveParams(
  declared: Record<string, ParamDoc>,
  given: Record<string, unknown>,
  options: { fromText?: boolean } = {},
): { params: ParamValues; problems: Problem[] } {
  const problems: Problem[] = [];
  const values: Record<string, JsonValue> = {};
  const missing = new Set<string>();
  const invalid = new Set<string>();
  for (const name of Object.keys(given)) {
    if (!(name in declared)) problems.push({ pointer: pointer('params', name), message: `unknown param "${name}"${didYouMean(name, Object.keys(declared))}` });
  }
  for (const [name, param] of Object.entries(declared)) {
    const at = pointer('params', name);
    if (param.default !== undefined) {
      const problem = typeError(param.default, param.type);
      if (problem) problems.push({ pointer: `${at}/default`, message: `default ${problem}` });
    }
    const hasGiven = Object.hasOwn(given, name) && given[name] !== undefined;
    let value: unknown = hasGiven ? given[name] : param.default;
    if (hasGiven && options.fromText && typeof value === 'string') value = fromText(value, param.type);
    if (value === undefined) {
      missing.add(name);
      continue;
    }
    if (hasGiven) {
      const problem = typeError(value, param.type);
      if (problem) {
        problems.push({ pointer: at, message: `value ${typeError(given[name], param.type) ?? problem}` });
        invalid.add(name);
        continue;
      }
    }
    if (param.enum && !param.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
      problems.push({ pointer: at, message: `value ${JSON.stringify(value)} is not one of ${param.enum.map((v) => JSON.stringify(v)).join(', ')}` });
      invalid.add(name);
      continue;
    }
    values[name] = value as JsonValue;
  }
  return { params: { values, missing, invalid }, problems };
}

export interface Substitution {
  readonly value: JsonValue;
  readonly problems: Problem[];
  /** Pointers (relative to the substituted value) that hold a reference to a param without a usable value. */
  readonly unresolved: string[];
}

/** Replaces param references inside `value`; `base` is the pointer of `value` in the document. */
export function substituteParams(value: JsonValue, params: ParamValues, declared: readonly string[], base: string): Substitution {
  const problems: Problem[] = [];
  const unresolved: string[] = [];
  const visit = (current: JsonValue, at: string): JsonValue => {
    if (typeof current === 'string') return substituteString(current, at);
    if (Array.isArray(current)) return current.map((item, index) => visit(item, `${at}/${index}`));
    if (isPlainObject(current)) {
      const out: Record<string, JsonValue> = {};
      for (const [key, child] of Object.entries(current)) out[key] = visit(child, `${at}/${pointerToken(key)}`);
      return out;
    }
    return current;
  };
  const check = (name: string, at: string): 'ok' | 'missing' | 'unknown' => {
    if (Object.hasOwn(params.values, name)) return 'ok';
    unresolved.push(at);
    if (params.missing.has(name) || params.invalid.has(name)) return 'missing';
    problems.push({ pointer: base + at, message: `unknown param "${name}"${didYouMean(name, declared)}` });
    return 'unknown';
  };
  const substituteString = (text: string, at: string): JsonValue => {
    const whole = WHOLE_REFERENCE.exec(text);
    if (whole) return check(whole[1]!, at) === 'ok' ? params.values[whole[1]!]! : text;
    if (!text.includes('${params.')) return text;
    return text.replace(REFERENCE, (reference, name: string) => {
      if (check(name, at) !== 'ok') return reference;
      const v = params.values[name]!;
      return typeof v === 'string' ? v : JSON.stringify(v);
    });
  };
  return { value: visit(value, ''), problems, unresolved };
}
