/**
 * The editor's one door to the server: JSON over fetch with the bearer token, and every error as an `ApiError`
 * carrying the server's `{ error: { code, message, details } }`. The token lives in localStorage; a 401 asks the
 * shell to prompt for one (`onUnauthorized`).
 */
import type { AliasMove, AliasMoveResult, LogEntry, ModelSummary, ModelVersion, OutputPreview, PluginDescription, RunSummary, RunView, StartedRun, Validation, WorkflowDoc, WorkflowSummary } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const TOKEN_KEY = 'loom.token';

export interface ApiOptions {
  /** Default: same origin. */
  readonly base?: string;
  readonly fetch?: typeof fetch;
  readonly storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  readonly onUnauthorized?: (sent: string | undefined) => void;
}

export class ApiClient {
  readonly #base: string;
  readonly #fetch: typeof fetch;
  readonly #storage: ApiOptions['storage'];
  /**
   * Told of a 401 and the token its request carried (undefined: none). NOTE: a request may have been sent before
   * the current token was set; only a 401 to the current token says that token is not accepted.
   */
  onUnauthorized: ((sent: string | undefined) => void) | undefined;
  /** Told when a request that carried a token was answered without a 401: that token is accepted. */
  onAccepted: ((sent: string) => void) | undefined;

  constructor(options: ApiOptions = {}) {
    this.#base = options.base ?? '';
    this.#fetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
    this.#storage = options.storage ?? (typeof localStorage === 'undefined' ? undefined : localStorage);
    this.onUnauthorized = options.onUnauthorized;
  }

  get token(): string | undefined {
    return this.#storage?.getItem(TOKEN_KEY) ?? undefined;
  }

  set token(value: string | undefined) {
    if (value) this.#storage?.setItem(TOKEN_KEY, value);
    else this.#storage?.removeItem(TOKEN_KEY);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const sent = this.token;
    if (sent) headers.Authorization = `Bearer ${sent}`;
    const response = await this.#fetch(`${this.#base}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    if (response.status === 401) this.onUnauthorized?.(sent);
    else if (sent) this.onAccepted?.(sent);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      // A proxy's HTML error page or a cut-off body: say what came back rather than a JSON syntax error.
      throw new ApiError(response.status, response.ok ? 'BAD_RESPONSE' : `HTTP_${response.status}`, `${method} ${path} answered ${response.status} with a body that is not JSON: ${text.slice(0, 120)}`);
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
      throw new ApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? response.statusText, error?.details);
    }
    return parsed as T;
  }

  plugins = async () => (await this.request<{ plugins: PluginDescription[] }>('GET', '/api/plugins')).plugins;
  workflows = async () => (await this.request<{ workflows: WorkflowSummary[] }>('GET', '/api/workflows')).workflows;
  workflow = (name: string) => this.request<WorkflowDoc>('GET', `/api/workflows/${encodeURIComponent(name)}`);
  saveWorkflow = (name: string, doc: WorkflowDoc) => this.request<WorkflowSummary>('PUT', `/api/workflows/${encodeURIComponent(name)}`, doc);
  deleteWorkflow = (name: string) => this.request<void>('DELETE', `/api/workflows/${encodeURIComponent(name)}`);
  validate = (doc: unknown) => this.request<Validation>('POST', '/api/workflows/validate', doc);

  /** Give `workflow` (a document) or `name` (a saved workflow); a bad document is a 400 with `details.problems`. */
  startRun = (start: { name?: string; workflow?: unknown; params?: Record<string, unknown>; engine?: 'embedded' | 'temporal' }) => this.request<StartedRun>('POST', '/api/runs', start);
  /** Newest first. */
  runs = async (limit = 50) => (await this.request<{ runs: RunSummary[] }>('GET', `/api/runs?limit=${limit}`)).runs;
  run = (id: string) => this.request<RunView>('GET', `/api/runs/${encodeURIComponent(id)}`);
  cancel = (id: string, reason?: string) => this.request<{ runId: string; status: 'cancelling' }>('POST', `/api/runs/${encodeURIComponent(id)}/cancel`, reason ? { reason } : {});
  approve = (id: string, node: string, approve: boolean, reason?: string) =>
    this.request<{ runId: string; node: string; approved: boolean; by: string }>('POST', `/api/runs/${encodeURIComponent(id)}/approve`, { node, approve, ...(reason ? { reason } : {}) });
  preview = (id: string, node: string, port: string, rows = 50) =>
    this.request<OutputPreview>('GET', `/api/runs/${encodeURIComponent(id)}/nodes/${encodeURIComponent(node)}/outputs/${encodeURIComponent(port)}/preview?rows=${rows}`);
  /** A node's log lines and progress messages, in order. */
  logs = async (id: string, node: string) => (await this.request<{ entries: LogEntry[] }>('GET', `/api/runs/${encodeURIComponent(id)}/nodes/${encodeURIComponent(node)}/logs`)).entries;

  models = async () => (await this.request<{ models: ModelSummary[] }>('GET', '/api/models')).models;
  /** Newest first. */
  versions = async (name: string) => (await this.request<{ versions: ModelVersion[] }>('GET', `/api/models/${encodeURIComponent(name)}/versions`)).versions;
  /** Oldest first. */
  history = async (name: string) => (await this.request<{ moves: AliasMove[] }>('GET', `/api/models/${encodeURIComponent(name)}/history`)).moves;
  /** Admin: moves `alias` (default production) back to the version before, or to `to`. */
  rollback = (name: string, reason: string, to?: number, alias?: string) =>
    this.request<AliasMoveResult>('POST', `/api/models/${encodeURIComponent(name)}/rollback`, { reason, ...(to === undefined ? {} : { to }), ...(alias === undefined ? {} : { alias }) });
}
