/** The one way Loom builds ajv instances, and the translation of ajv's errors into located sentences. */
import { Ajv, type ErrorObject, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Problem } from './errors.js';
import { didYouMean } from './suggest.js';

// NOTE: ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export function createAjv(options: Options = {}): Ajv {
  // discriminator: a oneOf tagged by a const property is checked against its one branch (with defaults filled in).
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: false, discriminator: true, ...options });
  addFormats(ajv);
  return ajv;
}

const PATTERN_NAMES: Record<string, string> = {
  '^[A-Za-z][A-Za-z0-9_-]*$': 'a letter followed by letters, digits, "_" or "-"',
  '^[A-Za-z][A-Za-z0-9_]*$': 'a letter followed by letters, digits or "_"',
  '^[A-Za-z_][A-Za-z0-9_]*$': 'a letter or "_" followed by letters, digits or "_"',
  '^[A-Za-z][A-Za-z0-9_-]*\\.[A-Za-z][A-Za-z0-9_]*$': '"<nodeId>.<outputPort>"',
  '^[A-Za-z0-9][A-Za-z0-9._-]*$': 'a letter or digit followed by letters, digits, ".", "_" or "-"',
  '^(@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*(@[^@]+)?$': 'a lower-case plugin name with an optional "@<semver range>"',
};

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return value.length > 40 ? `a string` : `"${value}"`;
  return `${typeof value} ${String(value)}`;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function sentence(error: ErrorObject): { at: string; message: string } {
  const at = error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { at, message: `missing required field "${String(params.missingProperty)}"` };
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const parent = (error.parentSchema ?? {}) as { properties?: Record<string, unknown>; patternProperties?: Record<string, unknown> };
      const where = `${at}/${field.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (!parent.properties && parent.patternProperties) {
        const pattern = Object.keys(parent.patternProperties)[0] ?? '';
        return { at: where, message: `"${field}" is not a valid name (use ${PATTERN_NAMES[pattern] ?? `a name matching ${pattern}`})` };
      }
      return { at: where, message: `unknown field "${field}"${didYouMean(field, Object.keys(parent.properties ?? {}))}` };
    }
    case 'type': {
      const expected = String(params.type).split(',').map(article).join(' or ');
      return { at, message: `must be ${expected}, not ${describeValue(error.data)}` };
    }
    case 'pattern': {
      const pattern = String(params.pattern);
      return { at, message: `${describeValue(error.data)} is not valid here (use ${PATTERN_NAMES[pattern] ?? `a string matching ${pattern}`})` };
    }
    case 'const':
      return { at, message: `must be ${JSON.stringify(params.allowedValue)}, not ${describeValue(error.data)}` };
    case 'enum':
      return { at, message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, not ${describeValue(error.data)}` };
    case 'anyOf':
    case 'oneOf': {
      const parent = error.parentSchema as { description?: string; anyOf?: { const?: unknown }[]; oneOf?: { const?: unknown }[] } | undefined;
      const branches = parent?.anyOf ?? parent?.oneOf ?? [];
      if (branches.length > 0 && branches.every((b) => 'const' in b)) {
        const allowed = branches.map((b) => JSON.stringify(b.const));
        return { at, message: `must be ${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}, not ${describeValue(error.data)}` };
      }
      const description = parent?.description;
      return { at, message: description ? `must be ${description}, not ${describeValue(error.data)}` : `matches none of the allowed forms` };
    }
    default:
      return { at, message: error.message ?? `fails "${error.keyword}"` };
  }
}

type Branch = { properties?: Record<string, { const?: unknown }> };

/** The property every branch fixes with a const (`kind`, `op`...), if the alternatives are tagged. */
function tagOf(branches: Branch[]): string | undefined {
  const first = branches[0]?.properties ?? {};
  return Object.keys(first).find((p) => branches.every((b) => b.properties?.[p] && 'const' in b.properties[p]!));
}

/**
 * For an anyOf/oneOf over tagged objects, the branch the data's tag picks: its errors are the ones to report.
 * Returns the schema path prefix of that branch, or a problem when the tag matches no branch.
 */
function taggedBranch(error: ErrorObject): { prefix: string } | { problem: { at: string; message: string } } | undefined {
  const parent = error.parentSchema as { anyOf?: Branch[]; oneOf?: Branch[] } | undefined;
  const branches = parent?.anyOf ?? parent?.oneOf ?? [];
  const tag = tagOf(branches);
  const data = error.data as Record<string, unknown> | undefined;
  if (!tag || typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const tags = branches.map((b) => b.properties![tag]!.const);
  const index = tags.findIndex((t) => t === data[tag]);
  if (index >= 0) return { prefix: `${error.schemaPath}/${index}/` };
  const allowed = tags.map((t) => JSON.stringify(t)).join(', ');
  return { problem: { at: `${error.instancePath}/${tag}`, message: `must be one of ${allowed}, not ${data[tag] === undefined ? 'missing' : describeValue(data[tag])}` } };
}

/**
 * Turns ajv's errors into problems located under `base`. Errors inside the branches of an anyOf/oneOf are folded
 * into one sentence about the whole alternative, which is what a reader can act on, except for tagged
 * alternatives (`{ "op": "dedupe", ... }`), where the branch the tag names speaks for itself.
 */
export function ajvProblems(errors: readonly ErrorObject[] | null | undefined, base = ''): Problem[] {
  if (!errors) return [];
  const alternatives = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const chosen = new Map(alternatives.map((e) => [e, taggedBranch(e)]));
  const seen = new Set<string>();
  const problems: Problem[] = [];
  const push = (at: string, message: string) => {
    const key = `${at}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    problems.push({ pointer: base + at, message });
  };
  for (const error of errors) {
    // `if` only says that a then/else failed; the failure itself is reported on its own.
    if (error.keyword === 'if') continue;
    const hidden = alternatives.some((alt) => {
      if (error === alt || !error.schemaPath.startsWith(`${alt.schemaPath}/`)) return false;
      const branch = chosen.get(alt);
      return !(branch && 'prefix' in branch && error.schemaPath.startsWith(branch.prefix));
    });
    if (hidden) continue;
    const branch = chosen.get(error);
    if (branch && 'prefix' in branch) continue;
    if (branch && 'problem' in branch) {
      push(branch.problem.at, branch.problem.message);
      continue;
    }
    if (error.keyword === 'discriminator') {
      const { tag = '', tagValue } = error.params as { tag?: string; tagValue?: unknown };
      const branches = ((error.parentSchema as { oneOf?: Branch[] } | undefined)?.oneOf ?? []).map((b) => JSON.stringify(b.properties?.[tag]?.const));
      push(`${error.instancePath}/${tag}`, `must be one of ${branches.join(', ')}, not ${tagValue === undefined ? 'missing' : describeValue(tagValue)}`);
      continue;
    }
    const { at, message } = sentence(error);
    push(at, message);
  }
  return problems;
}
