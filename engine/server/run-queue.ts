/**
 * The runs `loom serve` accepted but has not started yet, one JSON file each under `<home>/server/queue`. A file is
 * written (atomically) before the caller is told the run id, and removed once the run is in the journal, so a run
 * the server promised is started after a crash, and never twice.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic.js';
import type { CompiledWorkflow } from '../workflow/compiled.js';

/** A run accepted but not started yet; also the queue file's content. */
export interface Queued {
  readonly runId: string;
  readonly workflow: CompiledWorkflow;
  readonly document: unknown;
  readonly concurrency: number;
  readonly createdAt: string;
}

export class RunQueue {
  readonly #dir: string;
  readonly #tmp: string;

  constructor(home: string) {
    this.#dir = join(home, 'server', 'queue');
    this.#tmp = join(home, 'server', 'tmp');
  }

  #file(runId: string): string {
    return join(this.#dir, `${runId}.json`);
  }

  save(item: Queued): Promise<void> {
    return writeFileAtomic(this.#file(item.runId), JSON.stringify(item), this.#tmp);
  }

  /** Forgets a run that has started (or was dropped); quiet when there is no file. */
  async remove(runId: string): Promise<void> {
    await rm(this.#file(runId), { force: true });
  }

  /** Every saved run, oldest id first. */
  async load(): Promise<Queued[]> {
    const files = (await readdir(this.#dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
    return Promise.all(files.map(async (file) => JSON.parse(await readFile(join(this.#dir, file), 'utf8')) as Queued));
  }
}
