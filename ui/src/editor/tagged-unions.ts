/**
 * Quiet errors for tagged unions. ajv checks a value against every branch of a `oneOf`/`anyOf`, so a clean rule
 * `{ op: "dropRows" }` earns "must be equal to constant" from each other branch's `op` and "must match exactly one
 * schema in oneOf" on top of the one error that matters (its `where` is missing). When every branch of the union
 * fixes the same property to a constant (clean's rules by `op`, integrate's operation by `kind`, featurize's steps
 * by `op`), that property picks the branch, and only the picked branch's errors are kept.
 */
import type { RJSFValidationError } from '@rjsf/utils';
import { isObject, propertyParts, valueAtParts } from './form-schema';

/** The branch's fixed value of `key` (`const`, or an enum of one), if it fixes one. */
function fixedValue(branch: unknown, key: string): { value: unknown } | undefined {
  const property = isObject(branch) && isObject(branch.properties) ? branch.properties[key] : undefined;
  if (!isObject(property)) return undefined;
  if ('const' in property) return { value: property.const };
  if (Array.isArray(property.enum) && property.enum.length === 1) return { value: property.enum[0] };
  return undefined;
}

/** The property every branch fixes to a different constant (`op`, `kind`), if the union is tagged. */
export function discriminatorOf(branches: unknown): string | undefined {
  if (!Array.isArray(branches) || branches.length < 2) return undefined;
  const first = branches[0];
  const candidates = isObject(first) && isObject(first.properties) ? Object.keys(first.properties) : [];
  return candidates.find((key) => {
    const values = branches.map((b) => fixedValue(b, key));
    return values.every(Boolean) && new Set(values.map((v) => JSON.stringify(v!.value))).size === branches.length;
  });
}

/** Which branch the value's discriminator picks (undefined: none does). */
function pickedBranch(branches: unknown[], key: string, value: unknown): number | undefined {
  if (!isObject(value) || !(key in value)) return undefined;
  const index = branches.findIndex((b) => fixedValue(b, key)?.value === value[key]);
  return index < 0 ? undefined : index;
}

/** Keywords whose next segment moves into the value (a property, an item); the rest stay on the same value. */
const INTO_VALUE = new Set(['properties', 'patternProperties', 'items', 'additionalProperties', 'prefixItems', 'additionalItems', 'contains']);
const NAMED = new Set(['properties', 'patternProperties', 'oneOf', 'anyOf', 'allOf', 'prefixItems', '$defs', 'definitions']);

type Verdict = { keep: true; message?: string } | { keep: false };

/**
 * Follows the error's schema path from the root, alongside its value path, and drops it if it lies in a branch of a
 * tagged union other than the one the value picks, or is the union's own "must match" error when a branch is
 * picked. A union whose value picks no branch keeps only its own error, reworded to name the choice.
 */
function judge(error: RJSFValidationError, root: unknown, data: unknown): Verdict {
  const segments = (error.schemaPath ?? '').replace(/^#\/?/, '').split('/').filter(Boolean).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const valueParts = propertyParts(error.property);
  let schema: unknown = root;
  let consumed = 0;
  for (let i = 0; i < segments.length; i++) {
    const keyword = segments[i]!;
    if (!isObject(schema)) break;
    if (keyword === 'oneOf' || keyword === 'anyOf') {
      const branches = schema[keyword];
      const key = discriminatorOf(branches);
      if (key && Array.isArray(branches)) {
        const picked = pickedBranch(branches, key, valueAtParts(data, valueParts.slice(0, consumed)));
        const next = segments[i + 1];
        if (next === undefined) {
          if (picked !== undefined) return { keep: false };
          const choices = branches.map((b) => String(fixedValue(b, key)!.value)).join(', ');
          return { keep: true, message: `choose "${key}": one of ${choices}` };
        }
        if (picked === undefined || Number(next) !== picked) return { keep: false };
      }
    }
    if (INTO_VALUE.has(keyword)) consumed++;
    if (NAMED.has(keyword) && segments[i + 1] !== undefined) {
      schema = (schema[keyword] as Record<string, unknown> | undefined)?.[segments[i + 1]!];
      i++;
    } else {
      schema = schema[keyword];
    }
  }
  return { keep: true };
}

/** The errors of the branches the values pick, once each. */
export function pickedBranchErrors(errors: readonly RJSFValidationError[], schema: unknown, data: unknown): RJSFValidationError[] {
  const seen = new Set<string>();
  const kept: RJSFValidationError[] = [];
  for (const error of errors) {
    const verdict = judge(error, schema, data);
    if (!verdict.keep) continue;
    const shown = verdict.message ? { ...error, message: verdict.message, stack: `${error.property ?? ''} ${verdict.message}`.trim() } : error;
    const key = `${shown.property}\u0000${shown.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(shown);
  }
  return kept;
}
