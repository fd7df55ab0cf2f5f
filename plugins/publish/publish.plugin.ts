/**
 * publish: registers a model version and moves an alias (`production` by default) to it only when its evaluation
 * passed the gate, and passed it against the version that holds the alias now. Otherwise the version is registered
 * without being promoted, and the output says why. Registering is idempotent: publishing the same model again (the
 * same bytes, or the same plaintext sealed anew) reuses its version, so re-running a workflow never fills the
 * registry with duplicates.
 */
import { definePlugin, PluginError, RegistryError, Type, type ArtifactRef, type JsonObject, type ModelRegistry, type ModelVersion, type RunContext } from '../../engine/sdk.js';

/** The parts of evaluate's metrics that publish reads. */
interface Evaluation {
  readonly pass?: boolean;
  readonly reason?: string;
  readonly k?: number;
  readonly models?: readonly (JsonObject & { name?: string })[];
  readonly comparisons?: readonly JsonObject[];
  /** Set by evaluate when it compared the candidate with a registered version. */
  readonly production?: { readonly model: string; readonly alias: string; readonly version: number };
}

/**
 * What makes two artifacts the same model: their bytes, or for sealed ones the digest of the plaintext inside
 * (sealing the same model twice gives other bytes: a fresh data key and IV every time).
 */
function identity(artifact: ArtifactRef): string {
  const meta = artifact.meta ?? {};
  return meta.encrypted === true && typeof meta.digest === 'string' ? `plaintext:${meta.digest}` : `bytes:${artifact.sha256}`;
}

/** The version already registered for this model, or undefined (also when the model is not registered yet). */
async function existing(models: ModelRegistry, name: string, artifact: ArtifactRef): Promise<ModelVersion | undefined> {
  try {
    return (await models.versions(name)).find((v) => identity(v.artifact) === identity(artifact));
  } catch (error) {
    if (error instanceof RegistryError && error.registryCode === 'MODEL_NOT_FOUND') return undefined;
    throw error;
  }
}

/** Why the alias may not move to `version`, or undefined when it may. */
function refusal(evaluation: Evaluation, holder: ModelVersion | undefined, alias: string): string | undefined {
  if (evaluation.pass !== true) {
    // Name only what failed: the passing comparisons would bury it.
    const failed = (evaluation.comparisons ?? []).filter((c) => c.pass === false).map((c) => String(c.reason));
    return `the evaluation gate did not pass: ${failed.length > 0 ? failed.join('; ') : (evaluation.reason ?? 'no reason given')}`;
  }
  if (!holder) return undefined;
  const compared = evaluation.production;
  if (!compared || compared.version !== holder.version) {
    const seen = compared ? `it was compared with version ${compared.version}` : 'it was not compared with it';
    return `"${alias}" is version ${holder.version} and ${seen}; set evaluate's "production" option so the gate includes the model in production`;
  }
  return undefined;
}

type Config = { name: string; alias: string; promote: 'if-gate-passes' | 'never'; tags: Record<string, string> };

async function decide(ctx: RunContext<Config, { model: { type: 'model' }; metrics: { type: 'metrics' } }>) {
  const { name, alias, promote, tags } = ctx.config;
  const actor = `workflow:${ctx.workflow}`;
  const evaluation = await ctx.artifacts.readJson<Evaluation>(ctx.inputs.metrics);
  // undefined when the alias (or the model) does not exist yet: the first publish.
  const holder = await ctx.models.resolve(name, alias);
  const model = ctx.inputs.model;
  const meta = (model.meta ?? {}) as JsonObject;
  if (meta.encrypted === true && meta.model !== name) {
    // The name is bound into the envelope: serving would refuse to open it under another one.
    throw new PluginError(`the model was sealed for "${String(meta.model)}" but is published as "${name}"; set encrypt's "name" to "${name}"`, { retryable: false });
  }
  const candidate = evaluation.models?.[0];
  let version = await existing(ctx.models, name, model);
  const reused = version !== undefined;
  version ??= await ctx.models.register({
    name,
    artifact: model,
    algorithm: String(meta.algorithm ?? candidate?.algorithm ?? 'unknown'),
    metrics: { ...(candidate ?? {}), k: evaluation.k ?? null, comparisons: (evaluation.comparisons ?? []) as JsonObject[], pass: evaluation.pass === true } as JsonObject,
    params: meta,
    lineage: { workflow: ctx.workflow, runId: ctx.runId, nodeId: ctx.nodeId, inputs: ctx.lineage.map(({ node, port, sha256 }) => ({ node, port, sha256 })) },
    tags,
    actor,
  });
  const at = `${name}@${version.version}`;
  ctx.log.info(reused ? `${at} was already registered (same artifact): reusing it` : `registered ${at}`);
  if (holder?.version === version.version) return { version, promoted: false, reason: `${at} already holds "${alias}"`, previous: holder.version };
  const why = promote === 'never' ? 'promote is "never": registered only' : refusal(evaluation, holder, alias);
  if (why !== undefined) {
    await ctx.models.audit({ actor, action: 'model.publish', target: at, detail: { promoted: false, reason: why, run: ctx.runId } });
    return { version, promoted: false, reason: why, previous: holder?.version ?? null };
  }
  const reason = holder ? `gate passed against ${alias} version ${holder.version}: ${evaluation.reason ?? ''}` : `first "${alias}" version; gate passed: ${evaluation.reason ?? ''}`;
  await ctx.models.moveAlias({ name, alias, to: version.version, actor, reason });
  await ctx.models.audit({ actor, action: 'model.publish', target: at, detail: { promoted: true, alias, from: holder?.version ?? null, run: ctx.runId } });
  return { version, promoted: true, reason, previous: holder?.version ?? null };
}

export default definePlugin({
  name: 'publish',
  version: '1.0.0',
  title: 'Publish a model',
  description:
    'Registers the model as a new version in the model registry and moves the "production" alias to it only if the evaluation gate passed ' +
    '(against the current production version too, when there is one). Otherwise registers it without promoting it, and says why.',
  category: 'publish',
  // The registry is state outside the run: publishing runs every time (and reuses the version of an identical artifact).
  volatile: true,
  lineage: true,
  inputs: {
    model: { type: 'model', title: 'Model', description: 'The trained (ideally encrypted) model.' },
    metrics: { type: 'metrics', title: 'Evaluation', description: "evaluate's metrics for this model: the gate verdict publish obeys." },
  },
  outputs: {
    version: { type: 'json', title: 'Version', description: '{ name, version, promoted, alias, previous, reason }' },
  },
  config: Type.Object(
    {
      name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$', description: 'The registered model name, e.g. "recommender".' }),
      alias: Type.String({ default: 'production', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$', description: 'The alias to move when the gate passes.' }),
      promote: Type.Union([Type.Literal('if-gate-passes'), Type.Literal('never')], {
        default: 'if-gate-passes',
        description: '"never" registers the version without moving the alias (e.g. for staging a candidate).',
      }),
      tags: Type.Record(Type.String(), Type.String(), { default: {}, description: 'Free-form labels kept with the version.' }),
    },
    { additionalProperties: false },
  ),
  async run(ctx) {
    if (ctx.inputs.metrics.type !== 'metrics') throw new PluginError('the "metrics" input must be evaluate\'s metrics', { retryable: false });
    const { version, promoted, reason, previous } = await decide(ctx as never);
    if (promoted) ctx.log.info(`${version.name}@${version.version} is now "${ctx.config.alias}": ${reason}`);
    else ctx.log.warn(`${version.name}@${version.version} was not promoted: ${reason}`);
    const out = { name: version.name, version: version.version, promoted, alias: ctx.config.alias, previous, reason, encrypted: version.encrypted };
    return { version: await ctx.artifacts.putJson('json', out, out) };
  },
});
