/**
 * The workflows directory as a small store of `<name>.json` files: listed with whether each is valid, read,
 * written atomically (2-space JSON) and deleted. A name is checked against one pattern before any path is built
 * from it, so `..`, slashes, NUL and absolute paths never reach the file system; a file that is a symbolic link
 * to somewhere outside the directory is refused (an inside one is followed).
 */
import { lstat, readdir, readFile, realpath, stat, unlink } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Problem } from '../errors.js';
import { isPlainObject } from '../json.js';
import type { PluginRegistry } from '../plugin/registry.js';
import { writeFileAtomic } from '../store/atomic.js';
import { didYouMean } from '../suggest.js';
import { DEFAULT_LIMITS, parseJsonText, sizeProblem } from '../workflow/parse.js';
import { validateWorkflow, type ValidationResult } from '../workflow/validate.js';
import { HttpError } from './errors.js';

export const WORKFLOW_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';
const WORKFLOW_NAME = new RegExp(WORKFLOW_NAME_PATTERN);
// workflows/ also holds workflow.schema.json (the editor's and IDEs' schema); a schema is never a workflow.
const RESERVED = /\.schema$/;

/** One line of `GET /api/workflows`. `nodes` is null when the file is not a JSON object with a nodes list. */
export interface WorkflowSummary {
  readonly name: string;
  readonly title: string | null;
  readonly description: string | null;
  readonly nodes: number | null;
  readonly modified: string;
  readonly valid: boolean;
  readonly problems: readonly Problem[];
}

/** Throws a 400 unless `name` may name a workflow file; call it before building any path. */
export function checkWorkflowName(name: string): string {
  if (!WORKFLOW_NAME.test(name)) {
    throw new HttpError(
      400,
      'INVALID_WORKFLOW_NAME',
      `${JSON.stringify(name.length > 140 ? `${name.slice(0, 140)}…` : name)} is not a workflow name: use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  if (RESERVED.test(name)) throw new HttpError(400, 'INVALID_WORKFLOW_NAME', `"${name}": names ending in ".schema" are kept for JSON Schema files`);
  return name;
}

const notFound = (name: string, known: readonly string[]) =>
  // A caller who typed the file name gets the workflow name back: "x.json" is at distance 0 from "x" once stripped.
  new HttpError(404, 'WORKFLOW_NOT_FOUND', `no workflow named "${name}"${didYouMean(name.replace(/\.json$/i, ''), known)}`, { name });

const outside = (name: string) =>
  new HttpError(400, 'WORKFLOW_OUTSIDE_DIRECTORY', `"${name}.json" is a symbolic link to a file outside the workflows directory; it is not served`, { name });

/** Problems as plain JSON for an error's details. */
const jsonProblems = (problems: readonly Problem[]) => problems.map(({ pointer, message }) => ({ pointer, message }));

const errno = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** The summary fields a document of any shape offers. */
function describe(doc: unknown): Pick<WorkflowSummary, 'title' | 'description' | 'nodes'> {
  if (!isPlainObject(doc)) return { title: null, description: null, nodes: null };
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return { title: text(doc.title), description: text(doc.description), nodes: Array.isArray(doc.nodes) ? doc.nodes.length : null };
}

export class WorkflowStore {
  constructor(
    readonly dir: string,
    private readonly plugins: PluginRegistry,
  ) {}

  /**
   * Validates a document as `loom validate` does (params may stay unset), relative paths in configs resolving
   * against the workflows directory. With `name`, the document's own name must be that name.
   */
  validate(doc: unknown, name?: string): ValidationResult {
    const result = validateWorkflow(doc, this.plugins, { baseDir: this.dir });
    const own = isPlainObject(doc) ? doc.name : undefined;
    if (name === undefined || typeof own !== 'string' || own === name) return result;
    const problem = { pointer: '/name', message: `the document is named "${own}" but is saved as "${name}"; the two must be the same` };
    return { ok: false, doc, problems: [problem, ...result.problems] };
  }

  /** Every `<name>.json` in the directory (none when it does not exist yet), by name; broken files included. */
  async list(): Promise<WorkflowSummary[]> {
    let entries: string[];
    try {
      entries = await readdir(this.dir);
    } catch (error) {
      if (errno(error) === 'ENOENT') return [];
      throw error;
    }
    const names = entries
      .filter((file) => file.endsWith('.json'))
      .map((file) => file.slice(0, -'.json'.length))
      .filter((name) => WORKFLOW_NAME.test(name) && !RESERVED.test(name))
      .sort();
    const summaries = await Promise.all(names.map((name) => this.#summary(name)));
    return summaries.filter((s): s is WorkflowSummary => s !== undefined);
  }

  /** The parsed document (any JSON value); 404 when absent, 422 when the file is not JSON. */
  async read(name: string): Promise<{ doc: unknown; modified: Date }> {
    const read = await this.#readText(checkWorkflowName(name));
    if (!read) throw notFound(name, await this.#names());
    const { text, modified } = read;
    const parsed = parseJsonText(text, DEFAULT_LIMITS);
    if (parsed.problems.length > 0) {
      throw new HttpError(422, 'WORKFLOW_UNREADABLE', `workflow "${name}" is saved but is not a JSON document: ${parsed.problems[0]!.message}`, { name, problems: jsonProblems(parsed.problems) });
    }
    return { doc: parsed.value, modified };
  }

  /**
   * Writes a document that has already been validated: to a temporary file in the directory, then renamed over
   * `<name>.json`, so a reader (or a concurrent writer) sees one whole document or the other, never a mix.
   */
  async write(name: string, doc: unknown): Promise<{ created: boolean; summary: WorkflowSummary }> {
    const target = await this.#target(checkWorkflowName(name));
    const created = target.kind === 'absent';
    await writeFileAtomic(target.path, `${JSON.stringify(doc, null, 2)}\n`, this.dir);
    const info = await stat(target.path);
    return { created, summary: { name, ...describe(doc), modified: info.mtime.toISOString(), valid: true, problems: [] } };
  }

  /** Removes `<name>.json` (a symbolic link inside the directory is removed, never its target); 404 when absent. */
  async remove(name: string): Promise<void> {
    const target = await this.#target(checkWorkflowName(name));
    if (target.kind === 'absent') throw notFound(name, await this.#names());
    try {
      await unlink(join(this.dir, `${name}.json`));
    } catch (error) {
      if (errno(error) === 'ENOENT') throw notFound(name, await this.#names());
      throw error;
    }
  }

  async #names(): Promise<string[]> {
    return (await this.list()).map((s) => s.name);
  }

  /**
   * Where `<name>.json` really is. Its own path unless it is a symbolic link, which is followed only when it
   * resolves inside the directory; a directory of that name is refused rather than written over.
   */
  async #target(name: string): Promise<{ kind: 'absent' | 'file'; path: string }> {
    const path = join(this.dir, `${name}.json`);
    let info;
    try {
      info = await lstat(path);
    } catch (error) {
      if (errno(error) === 'ENOENT') return { kind: 'absent', path };
      throw error;
    }
    let real = path;
    if (info.isSymbolicLink()) {
      const [root, resolved] = await Promise.all([realpath(this.dir), realpath(path).catch(() => undefined)]);
      if (resolved === undefined || !resolved.startsWith(root + sep)) throw outside(name);
      real = resolved;
      info = await stat(real);
    }
    if (!info.isFile()) throw new HttpError(409, 'WORKFLOW_NOT_A_FILE', `"${name}.json" in the workflows directory is not a file`, { name });
    return { kind: 'file', path: real };
  }

  /** The file's text, or undefined when there is no such file; 422 when it is too large to read. */
  async #readText(name: string): Promise<{ text: string; modified: Date } | undefined> {
    const target = await this.#target(name);
    if (target.kind === 'absent') return undefined;
    const info = await stat(target.path);
    const tooBig = sizeProblem(info.size, DEFAULT_LIMITS);
    if (tooBig) throw new HttpError(422, 'WORKFLOW_UNREADABLE', `workflow "${name}": ${tooBig.message}`, { name, problems: jsonProblems([tooBig]) });
    return { text: await readFile(target.path, 'utf8'), modified: info.mtime };
  }

  /** A file's line in the listing; a file that vanished meanwhile or is not a file is left out. */
  async #summary(name: string): Promise<WorkflowSummary | undefined> {
    let read: { text: string; modified: Date } | undefined;
    try {
      read = await this.#readText(name);
    } catch (error) {
      if (!(error instanceof HttpError) || error.code === 'WORKFLOW_NOT_A_FILE') return undefined;
      const problems = (error.details?.problems as Problem[] | undefined) ?? [{ pointer: '', message: error.message }];
      return { name, title: null, description: null, nodes: null, modified: await this.#mtime(name), valid: false, problems };
    }
    if (!read) return undefined;
    const modified = read.modified.toISOString();
    const parsed = parseJsonText(read.text, DEFAULT_LIMITS);
    if (parsed.problems.length > 0) return { name, title: null, description: null, nodes: null, modified, valid: false, problems: parsed.problems };
    const result = this.validate(parsed.value, name);
    return { name, ...describe(parsed.value), modified, valid: result.ok, problems: jsonProblems(result.problems) };
  }

  /** The link's own time for a file that cannot be read through it. */
  async #mtime(name: string): Promise<string> {
    return (await lstat(join(this.dir, `${name}.json`))).mtime.toISOString();
  }
}
