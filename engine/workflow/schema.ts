/**
 * The workflow document: its TypeScript type and its JSON Schema come from this one TypeBox definition. The
 * engine validates with it and `npm run schema` writes it to workflows/workflow.schema.json, so they cannot drift.
 */
import { Type, type Static } from '@sinclair/typebox';

export const NODE_ID_PATTERN = '^[A-Za-z][A-Za-z0-9_-]*$';
export const PORT_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_]*$';
export const PARAM_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
/** A plugin name (optionally npm-scoped) with an optional semver range: `clean`, `clean@^1`, `@acme/dedupe@1.2`. */
export const PLUGIN_REF_PATTERN = '^(@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*(@[^@]+)?$';
const PORT_REF_PATTERN = '^[A-Za-z][A-Za-z0-9_-]*\\.[A-Za-z][A-Za-z0-9_]*$';

const PortRef = Type.String({
  pattern: PORT_REF_PATTERN,
  description: 'An upstream output, written "<nodeId>.<outputPort>".',
});

export const RetrySchema = Type.Object(
  {
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 1, description: 'Attempts in all, the first included.' })),
    backoffMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000, default: 1000, description: 'Wait before the second attempt.' })),
    backoffCoefficient: Type.Optional(Type.Number({ minimum: 1, maximum: 10, default: 2, description: 'Each later wait is this many times the one before.' })),
    maxBackoffMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000, description: 'Longest wait between attempts.' })),
  },
  { additionalProperties: false },
);

export const NodeSchema = Type.Object(
  {
    id: Type.String({ pattern: NODE_ID_PATTERN, maxLength: 128, description: 'Unique within the workflow.' }),
    plugin: Type.String({ pattern: PLUGIN_REF_PATTERN, maxLength: 214, description: 'Plugin name with an optional semver range, e.g. "clean@^1".' }),
    title: Type.Optional(Type.String({ maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    inputs: Type.Optional(
      Type.Record(Type.String({ pattern: PORT_NAME_PATTERN }), Type.Union([PortRef, Type.Array(PortRef, { minItems: 1 })], { description: '"<nodeId>.<outputPort>" or a non-empty list of them' }), {
        additionalProperties: false,
        description: 'Maps each input port to an upstream output, or to a list of them for a port that accepts many.',
      }),
    ),
    after: Type.Optional(
      Type.Array(Type.String({ pattern: NODE_ID_PATTERN }), { uniqueItems: true, description: 'Nodes that must finish first, passing no data.' }),
    ),
    config: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "Checked against the plugin's config schema." })),
    retry: Type.Optional(RetrySchema),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 86_400_000, description: 'Each attempt fails after this long.' })),
    cache: Type.Optional(Type.Boolean({ default: true, description: 'Reuse an earlier result with the same plugin, config and inputs.' })),
    ui: Type.Optional(Type.Object({ x: Type.Number(), y: Type.Number() }, { description: "The editor's layout; ignored by the engines." })),
  },
  { additionalProperties: false },
);

export const PARAM_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array'] as const;

export const ParamSchema = Type.Object(
  {
    type: Type.Unsafe<(typeof PARAM_TYPES)[number]>({ type: 'string', enum: [...PARAM_TYPES] }),
    default: Type.Optional(Type.Unknown()),
    description: Type.Optional(Type.String()),
    enum: Type.Optional(Type.Array(Type.Unknown(), { minItems: 1 })),
  },
  { additionalProperties: false },
);

export const WorkflowSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    version: Type.Literal(1, { description: 'The version of this file format.' }),
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 100 }),
    title: Type.Optional(Type.String({ maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    params: Type.Optional(Type.Record(Type.String({ pattern: PARAM_NAME_PATTERN }), ParamSchema, { additionalProperties: false })),
    nodes: Type.Array(NodeSchema),
  },
  { additionalProperties: false, $id: 'https://loom.dev/schemas/workflow.schema.json', title: 'Loom workflow' },
);

export type WorkflowDoc = Static<typeof WorkflowSchema>;
export type NodeDoc = Static<typeof NodeSchema>;
export type ParamDoc = Static<typeof ParamSchema>;
export type RetryDoc = Static<typeof RetrySchema>;
export type ParamType = (typeof PARAM_TYPES)[number];

/** The schema as a plain JSON document, the form editors and `$schema` references read. */
export function workflowJsonSchema(): Record<string, unknown> {
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...JSON.parse(JSON.stringify(WorkflowSchema)) };
}
