import { definePlugin, PluginError, Type } from '../../engine/sdk.js';

/**
 * A human in the loop: the node waits until someone runs `loom approve <runId> <nodeId>` (its input then
 * passes through to its descendants) or `loom approve ... --reject --reason "..."` (the node fails with the
 * reason). Both engines run this node themselves, as a wait for a message; `run` is never called.
 */
export default definePlugin({
  name: 'approve',
  version: '1.0.0',
  title: 'Approve',
  description: 'Waits for a person to approve (passing its input on) or reject (failing, with the reason) before its descendants run.',
  category: 'control',
  inputs: { in: { type: 'any', description: 'What is being approved, e.g. a model; passed through unchanged.' } },
  outputs: { out: { type: 'any' } },
  config: Type.Object(
    {
      message: Type.String({ default: 'waiting for approval', description: 'What the approver is asked.' }),
      timeoutMs: Type.Integer({ minimum: 1, default: 7 * 86_400_000, description: 'The node fails if nobody decides within this long.' }),
    },
    { additionalProperties: false },
  ),
  async run() {
    throw new PluginError('approve nodes are run by the engine, not called', { retryable: false });
  },
});
