import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Writes a file so that readers see either nothing or all of it: the bytes go to a temporary file in
 * `tmpDir` (same file system), are flushed to disk unless `durable` is false, then renamed over the target.
 * A killed process leaves at most a stray temporary file, never a half-written target.
 */
export async function writeFileAtomic(target: string, data: Uint8Array | string, tmpDir: string, durable = true): Promise<void> {
  await mkdir(tmpDir, { recursive: true });
  await mkdir(dirname(target), { recursive: true });
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
