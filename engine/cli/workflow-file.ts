/** Reads a workflow file for the CLI: refuses an oversized file before reading it. */
import { readFile, stat } from 'node:fs/promises';
import type { Problem } from '../errors.js';
import { DEFAULT_LIMITS, sizeProblem } from '../workflow/parse.js';

export async function readWorkflowFile(path: string): Promise<{ text: string } | { problems: Problem[] }> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) return { problems: [{ pointer: '', message: `${path} is not a file` }] };
    size = info.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problems: [{ pointer: '', message: code === 'ENOENT' ? `no such file: ${path}` : `cannot read ${path}: ${(error as Error).message}` }] };
  }
  const tooBig = sizeProblem(size, DEFAULT_LIMITS);
  if (tooBig) return { problems: [tooBig] };
  return { text: await readFile(path, 'utf8') };
}
