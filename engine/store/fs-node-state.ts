/** Per-node state that outlives runs: `<home>/state/<workflow>/<nodeId>.json`, written atomically. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonValue } from '../json.js';
import type { NodeStateStore } from '../plugin/types.js';
import { writeFileAtomic } from './atomic.js';

export function fsNodeState(home: string, workflow: string, nodeId: string): NodeStateStore {
  // Workflow names and node ids are checked by the schema: letters, digits, ".", "_", "-"; no path separators.
  const file = join(home, 'state', workflow, `${nodeId}.json`);
  return {
    async get<T extends JsonValue = JsonValue>() {
      try {
        return JSON.parse(await readFile(file, 'utf8')) as T;
      } catch {
        return undefined;
      }
    },
    async set(value) {
      await writeFileAtomic(file, JSON.stringify(value), join(home, 'tmp'));
    },
  };
}

/** Extra directories nodes may read from, from LOOM_DATA_ROOTS (separated by the path delimiter). */
export function dataRootsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.LOOM_DATA_ROOTS ?? '').split(process.platform === 'win32' ? ';' : ':').map((s) => s.trim()).filter(Boolean);
}
