/**
 * Where collect may read: a path or glob is resolved against the workflow's folder and must stay inside one of
 * the node's data roots, both as written (no `..` escape) and once symlinks are followed (realpath).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PluginError } from '../../engine/sdk.js';

export interface MatchedFile {
  /** The real path (symlinks followed): what DuckDB reads. */
  readonly path: string;
  /** The path as matched, relative to the glob's fixed leading folders: what rows, rejects and the report name. */
  readonly name: string;
  readonly bytes: number;
  readonly mtimeMs: number;
}

export interface Roots {
  /** The roots as configured, resolved (for messages and the `..` check). */
  readonly given: readonly string[];
  /** The same roots with symlinks followed (for the realpath check and DuckDB's sandbox). */
  readonly real: readonly string[];
}

export async function resolveRoots(dataRoots: readonly string[]): Promise<Roots> {
  const given = [...new Set(dataRoots.map((r) => resolve(r)))];
  const real = await Promise.all(given.map((r) => realpath(r).catch(() => r)));
  return { given, real: [...new Set(real)] };
}

function inside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

const GLOB_CHARS = /[*?[{]/;

/**
 * Lists the files a glob matches, sorted by name. `*` and `?` stay within one folder, `**` crosses folders,
 * `[abc]` and `{a,b}` choose. A pattern outside the roots, or a match whose real path is outside them, is an error.
 */
export async function matchFiles(pattern: string, baseDir: string, roots: Roots): Promise<MatchedFile[]> {
  const absolute = resolve(baseDir, pattern);
  const parts = absolute.split(sep);
  const firstGlob = parts.findIndex((p) => GLOB_CHARS.test(p));
  const fixed = firstGlob === -1 ? parts.slice(0, -1).join(sep) || sep : parts.slice(0, firstGlob).join(sep) || sep;
  const rest = firstGlob === -1 ? parts.slice(-1) : parts.slice(firstGlob);
  if (!roots.given.some((r) => inside(absolute, r))) {
    throw new PluginError(`path ${JSON.stringify(pattern)} (${absolute}) is outside the allowed data roots: ${roots.given.join(', ')}; add its folder to LOOM_DATA_ROOTS`, { retryable: false });
  }
  const regex = globToRegExp(rest.join('/'));
  const deep = rest.some((p) => p.includes('**'));
  const names: string[] = [];
  await walk(fixed, '', deep ? Infinity : rest.length, regex, names);
  names.sort();
  const files: MatchedFile[] = [];
  for (const name of names) {
    const path = await realpath(join(fixed, name));
    if (!roots.real.some((r) => inside(path, r))) {
      throw new PluginError(`file ${JSON.stringify(join(fixed, name))} resolves to ${path}, which is outside the allowed data roots: ${roots.given.join(', ')}`, { retryable: false });
    }
    const info = await stat(path);
    files.push({ path, name, bytes: info.size, mtimeMs: info.mtimeMs });
  }
  return files;
}

/** Checks one plain file path (a SQLite database) the same way as a glob's matches, and returns its real path. */
export async function confinedFile(path: string, baseDir: string, roots: Roots, what: string): Promise<string> {
  const absolute = resolve(baseDir, path);
  if (!roots.given.some((r) => inside(absolute, r))) {
    throw new PluginError(`${what} ${JSON.stringify(path)} (${absolute}) is outside the allowed data roots: ${roots.given.join(', ')}; add its folder to LOOM_DATA_ROOTS`, { retryable: false });
  }
  const real = await realpath(absolute).catch(() => {
    throw new PluginError(`${what} ${JSON.stringify(path)} not found (looked for ${absolute})`, { retryable: false });
  });
  if (!roots.real.some((r) => inside(real, r))) {
    throw new PluginError(`${what} ${JSON.stringify(path)} resolves to ${real}, which is outside the allowed data roots: ${roots.given.join(', ')}`, { retryable: false });
  }
  return real;
}

async function walk(dir: string, prefix: string, depth: number, regex: RegExp, out: string[]): Promise<void> {
  if (depth <= 0) return;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    const full = join(dir, entry.name);
    // NOTE: symlinked folders are not descended into (no loops); symlinked files are checked by realpath.
    const isFile = entry.isFile() || (entry.isSymbolicLink() && (await stat(full).then((s) => s.isFile(), () => false)));
    if (isFile && regex.test(name)) out.push(name);
    else if (entry.isDirectory()) await walk(full, name, depth - 1, regex, out);
  }
}

export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) out += escape(glob[++i]!);
    else if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      out += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) out += '\\[';
      else {
        out += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '{') {
      const end = glob.indexOf('}', i + 1);
      if (end === -1) out += '\\{';
      else {
        out += `(?:${glob.slice(i + 1, end).split(',').map((a) => [...a].map(escape).join('')).join('|')})`;
        i = end;
      }
    } else out += escape(c);
  }
  return new RegExp(`^${out}$`);
}

function escape(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
