import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const made = new Set<string>();

/** mkdir -p, once per directory per process: stores create many files in few directories. */
export async function ensureDir(dir: string): Promise<void> {
  if (made.has(dir)) return;
  await mkdir(dir, { recursive: true });
  made.add(dir);
}

/**
 * Writes a file so that readers see either nothing or all of it: the bytes go to a temporary file in
 * `tmpDir` (same file system), are flushed to disk unless `durable` is false, then renamed over the target.
 * A killed process leaves at most a stray temporary file, never a half-written target.
 */
export async function writeFileAtomic(target: string, data: Uint8Array | string, tmpDir: string, durable = true): Promise<void> {
  await ensureDir(tmpDir);
  await ensureDir(dirname(target));
  const tmp = join(tmpDir, `${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * The same for small files that need not survive a power cut (index entries): synchronous, since for a few
 * hundred bytes the thread-pool round trips of the async calls cost more than the writes themselves.
 */
export function writeSmallFileAtomicSync(target: string, data: string, tmpDir: string): void {
  if (!made.has(tmpDir)) mkdirSync(tmpDir, { recursive: true });
  made.add(tmpDir);
  const dir = dirname(target);
  if (!made.has(dir)) mkdirSync(dir, { recursive: true });
  made.add(dir);
  const tmp = join(tmpDir, `${randomBytes(8).toString('hex')}.tmp`);
  writeFileSync(tmp, data);
  try {
    renameSync(tmp, target);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}
