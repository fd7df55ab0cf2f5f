/**
 * The one express app `loom serve` runs. Each area mounts its own router: probes and metrics at the root,
 * `/api/models` and `/api/audit` here, and whatever `routers` the caller adds under `/api` (runs, workflows and
 * plugins in the server issue) before the catch-all 404 and the single error handler. socket.io attaches to the
 * http server, not to the app; it authenticates its handshake with `principalFor(server.access, …)`.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import type { ArtifactStore } from '../plugin/types.js';
import type { AuditEntry, ModelRegistry } from '../registry/types.js';
import { accessGuard, type AccessControl } from './auth.js';
import { errorHandler, notFound, type ServerLog } from './errors.js';
import { healthRoutes } from './health.js';
import { ServerMetrics } from './metrics.js';
import { ModelCache } from './model-cache.js';
import type { ModelOpener } from './model-port.js';
import { auditRoutes, modelRoutes } from './model-routes.js';

/** What a router factory gets from the app: the registry, the role guard, the audit log, the metrics and the log. */
export interface AppContext {
  readonly registry: ModelRegistry;
  readonly access: AccessControl;
  readonly guard: ReturnType<typeof accessGuard>;
  /** Records something that already happened; a failed write is logged, never turned into an error for the caller. */
  readonly audit: (entry: AuditEntry) => Promise<void>;
  readonly metrics: ServerMetrics;
  readonly log: ServerLog;
}

export interface AppOptions {
  readonly registry: ModelRegistry;
  readonly artifacts: Pick<ArtifactStore, 'readBytes'>;
  /** Turns a registered version's bytes into something that recommends (see model-port.ts). */
  readonly opener: ModelOpener;
  readonly access: AccessControl;
  /** How often the served alias is re-read (ms). Default 1000; 0 turns polling off. */
  readonly pollMs?: number;
  /** How long a version that failed to load waits before it is tried again (ms). Default 30 000. */
  readonly retryMs?: number;
  /** The largest JSON body accepted (bytes or e.g. '1mb'); larger ones get a 413. Default 1 MB. */
  readonly bodyLimit?: number | string;
  /** Structured log lines; default one JSON line per entry on stderr. */
  readonly log?: ServerLog;
  /** Default process metrics (CPU, memory, event loop lag). Default true. */
  readonly processMetrics?: boolean;
  /** The built editor (dist/ui): served at `/`, with index.html for every other path the API does not own. */
  readonly editor?: string;
  /** More areas under `/api`, e.g. `{ path: '/runs', router: (ctx) => runRoutes(ctx, engine) }`. */
  readonly routers?: readonly { readonly path: string; readonly router: (ctx: AppContext) => Router }[];
}

export interface LoomApp extends AppContext {
  readonly app: Express;
  readonly cache: ModelCache;
  /** Stops polling the registry and waits for a poll in progress (the caller closes the http server, then the registry). */
  close(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The editor's static files; any other GET outside the API answers index.html, so the editor's own routes reload. */
function editorRoutes(dir: string): Router {
  const router = express.Router();
  const index = join(dir, 'index.html');
  if (!existsSync(index)) throw new Error(`the editor is not built: ${index} is missing (run npm run build)`);
  router.use(express.static(dir, { index: 'index.html', maxAge: '1h', setHeaders: (res, path) => path.endsWith('index.html') && res.setHeader('Cache-Control', 'no-cache') }));
  router.get(/^\/(?!api\/|api$|socket\.io\/|metrics$|healthz$|readyz$).*/, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}

const stderrLog: ServerLog = (entry) => process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);

/**
 * Builds the app and starts loading the served models (call `close()` when done).
 * @example const { app, close } = createApp({ registry: loom.models, artifacts: loom.artifacts, opener, access: { mode: 'tokens', tokens } })
 */
export function createApp(options: AppOptions): LoomApp {
  const log = options.log ?? stderrLog;
  const metrics = new ServerMetrics({ processMetrics: options.processMetrics });
  const audit = async (entry: AuditEntry): Promise<void> => {
    try {
      await options.registry.audit(entry);
    } catch (error) {
      log({ level: 'error', message: `could not write ${entry.action} of "${entry.target}" to the audit log`, error: (error as Error).message });
    }
  };
  const guard = accessGuard(options.access, audit);
  const cache = new ModelCache({ registry: options.registry, artifacts: options.artifacts, opener: options.opener, pollMs: options.pollMs, retryMs: options.retryMs, metrics, log });
  const context: AppContext = { registry: options.registry, access: options.access, guard, audit, metrics, log };

  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    const given = req.get('x-request-id');
    res.locals.requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.set('X-Request-Id', res.locals.requestId as string);
    next();
  });
  // NOTE: the editor's config forms check values with ajv, which compiles each plugin's schema to a function at
  // run time; 'unsafe-eval' allows that for same-origin scripts only (inline scripts stay blocked).
  app.use(helmet({ contentSecurityPolicy: { directives: { scriptSrc: ["'self'", "'unsafe-eval'"] } } }));
  app.use(metrics.middleware());
  app.use(express.json({ limit: options.bodyLimit ?? '1mb' }));

  app.use(healthRoutes({ cache, metrics }));
  app.use('/api/models', modelRoutes({ registry: options.registry, cache, guard, metrics }));
  app.use('/api/audit', auditRoutes({ registry: options.registry, guard }));
  for (const { path, router } of options.routers ?? []) app.use(`/api${path}`, router(context));
  if (options.editor) app.use(editorRoutes(options.editor));

  app.use(notFound);
  app.use(errorHandler(log));

  cache.start();
  return { ...context, app, cache, close: () => cache.close() };
}
