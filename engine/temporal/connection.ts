/** Where the Temporal engine connects: flags first, then LOOM_TEMPORAL_* variables, then the defaults. */
import { DEFAULT_HEARTBEAT_TIMEOUT_MS, DEFAULT_TASK_QUEUE } from './contract.js';

export interface TemporalSettings {
  readonly address: string;
  readonly namespace: string;
  readonly taskQueue: string;
  readonly heartbeatTimeoutMs: number;
}

export function temporalSettings(flags: Partial<TemporalSettings> = {}, env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  return {
    address: flags.address ?? env.LOOM_TEMPORAL_ADDRESS ?? 'localhost:7233',
    namespace: flags.namespace ?? env.LOOM_TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: flags.taskQueue ?? env.LOOM_TEMPORAL_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
    heartbeatTimeoutMs: flags.heartbeatTimeoutMs ?? (Number(env.LOOM_TEMPORAL_HEARTBEAT_TIMEOUT_MS) || DEFAULT_HEARTBEAT_TIMEOUT_MS),
  };
}
