/**
 * `loom serve`: the composition root of the HTTP server. It picks the adapters the app only knows by their ports:
 * the data home's registry and artifact store, the opener that decrypts and loads model files (with the keyring
 * from the environment), the API tokens, the workflows directory and the engines runs go to. Without tokens it
 * refuses to start unless told `--no-auth`. Before it listens it resumes the embedded runs a killed server left.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadKeyring, type Keyring } from '../../plugins/encrypt/keys.js';
import { openServable } from '../../plugins/serving/servable.js';
import type { Loom } from '../loom.js';
import { createApp } from '../server/app.js';
import { loadTokens, TOKEN_HELP, type AccessControl } from '../server/auth.js';
import type { ModelOpener } from '../server/model-port.js';
import { openApiRoutes } from '../server/openapi.js';
import { pluginRoutes } from '../server/plugin-routes.js';
import { RunFeed } from '../server/run-feed.js';
import { runRoutes } from '../server/run-routes.js';
import { RunService, type EngineName } from '../server/run-service.js';
import { attachSocket } from '../server/socket.js';
import { workflowRoutes } from '../server/workflow-routes.js';
import { EXIT, positiveInt, settingsFrom, UsageError, withLoom, withTemporalFlags, type Act, type TemporalFlags } from './common.js';

interface ServeFlags extends TemporalFlags {
  port: number;
  host: string;
  /** False with --no-auth. */
  auth: boolean;
  pollMs: number;
  workflows: string;
  engine: EngineName;
  maxRuns: number;
  concurrency: number;
}

/**
 * Opens a registered version for serving, decrypted and verified when sealed. A sealed artifact must be bound to
 * the name it is registered under and to the version string publish recorded from it; with LOOM_REQUIRE_SIGNATURE=1
 * it must also carry a signature by a trusted key (and plain models are refused).
 */
export function servableOpener(keyring: Keyring, env: NodeJS.ProcessEnv = process.env): ModelOpener {
  const requireSignature = env.LOOM_REQUIRE_SIGNATURE === '1' || env.LOOM_REQUIRE_SIGNATURE === 'true';
  return async (version, bytes) => {
    const bound = version.encrypted && typeof version.params.version === 'string' ? { version: version.params.version } : {};
    const model = openServable(bytes, { keyring, expect: { model: version.name, ...bound }, requireSignature });
    await model.warm?.();
    return model;
  };
}

/** dist/ui, which `npm run build` writes beside the compiled CLI, when it is there. */
function builtEditor(): string | undefined {
  const dir = fileURLToPath(new URL('../../ui', import.meta.url));
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`"${value}" is not a port number (0 to 65535; 0 picks a free one)`);
  return n;
}

function milliseconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 50) throw new InvalidArgumentError(`"${value}" is not a whole number of milliseconds of at least 50`);
  return n;
}

function accessControl(flags: ServeFlags): AccessControl {
  if (!flags.auth) {
    const exposed = !['127.0.0.1', 'localhost', '::1'].includes(flags.host);
    process.stderr.write(
      `loom: WARNING: --no-auth: every request is served as an admin (rollback, alias moves, the audit log)${exposed ? `, and ${flags.host} is reachable from other machines` : ''}; use it for local work only\n`,
    );
    return { mode: 'off' };
  }
  const tokens = loadTokens(process.env);
  if (!tokens) throw new UsageError(`serve: no API tokens are configured, so every request would be refused; ${TOKEN_HELP}`);
  return { mode: 'tokens', tokens };
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new UsageError(`serve: port ${port} on ${host} is already in use; pick another with --port`) : error),
    );
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

/** Resolves with the first SIGINT or SIGTERM. */
function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/** Stops taking connections, lets in-flight requests finish (at most `graceMs`), then closes the rest. */
function shutdown(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs).unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** The run service. Temporal is used only when configured: the default engine, or its address given. */
function runService(loom: Loom, flags: ServeFlags): RunService {
  const configured = flags.engine === 'temporal' || flags.address !== undefined || Boolean(process.env.LOOM_TEMPORAL_ADDRESS);
  return new RunService({
    loom,
    workflowsDir: resolve(flags.workflows),
    defaultEngine: flags.engine,
    maxRuns: flags.maxRuns,
    concurrency: flags.concurrency,
    ...(configured ? { temporal: settingsFrom(flags) } : {}),
  });
}

async function serve(loom: Loom, flags: ServeFlags): Promise<number> {
  const access = accessControl(flags);
  const opener = servableOpener(loadKeyring(process.env));
  const runs = runService(loom, flags);
  const routers = [
    { path: '/runs', router: runRoutes(runs) },
    { path: '/workflows', router: workflowRoutes({ plugins: loom.registry, dir: resolve(flags.workflows) }) },
    { path: '/plugins', router: pluginRoutes({ plugins: loom.registry }) },
    { path: '/openapi.json', router: openApiRoutes() },
  ];
  const editor = builtEditor();
  if (!editor) process.stderr.write('loom: the editor is not built (run npm run build): serving the API only\n');
  const loomApp = createApp({ registry: loom.models, artifacts: loom.artifacts, opener, access, pollMs: flags.pollMs, routers, ...(editor ? { editor } : {}) });
  const server = createServer(loomApp.app);
  // Live run events over socket.io: this process's runs at once, other processes' from the journal, Temporal's followed.
  const feed = new RunFeed({ journalFile: join(loom.home, 'journal.db'), engine: loom.engine, log: loomApp.log, ...(runs.options.temporal ? { temporal: () => runs.temporal() } : {}) });
  runs.onStart(({ runId, engine }) => engine === 'temporal' && void feed.followTemporal(runId));
  const gateway = attachSocket(server, { feed, access, log: loomApp.log });
  const signal = nextSignal();
  try {
    // Listen first: a port in use must fail before any run is resumed (its nodes would run on under a closing
    // journal). A request in the few milliseconds before recover() sees a resumed run as interrupted, nothing worse.
    const address = await listen(server, flags.port, flags.host).catch(async (error: unknown) => {
      await gateway.close();
      await feed.close();
      await runs.close();
      throw error;
    });
    const recovered = await runs.recover();
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const auth = access.mode === 'off' ? 'auth off' : `${access.tokens.size} API token${access.tokens.size === 1 ? '' : 's'}: ${access.tokens.names.join(', ')}`;
    process.stdout.write(`loom serving http://${host}:${address.port} (${auth}; data home ${loom.home})\n`);
    const carried = [...recovered.resumed, ...recovered.queued];
    if (carried.length > 0) process.stdout.write(`resumed ${carried.length} run${carried.length === 1 ? '' : 's'} a previous server left: ${carried.join(', ')}\n`);
    const received = await signal;
    process.stdout.write(`${received}: shutting down\n`);
    await gateway.close();
    await shutdown(server, 5000);
    await feed.close();
    await runs.close();
    if (runs.activeRuns > 0) {
      // NOTE: their nodes are mid-flight; leaving now is what a crash does, which the journal is made for: the next
      // `loom serve` resumes them without re-running a finished node. Closing the journal under them would not be.
      process.stdout.write(`${runs.activeRuns} run${runs.activeRuns === 1 ? ' was' : 's were'} still running; the next \`loom serve\` on this data home resumes them\n`);
      process.exit(EXIT.ok);
    }
    return EXIT.ok;
  } finally {
    await loomApp.close();
  }
}

export function registerServeCommand(cli: Command, act: Act): void {
  withTemporalFlags(
    cli
      .command('serve')
      .description('serve workflows, runs, plugins, the model registry and the production models over HTTP (recommend, predict, rollback, /metrics)')
      .option('--port <n>', 'port to listen on (0 picks a free one)', portNumber, 8080)
      .option('--host <host>', 'interface to listen on', '127.0.0.1')
      .option('--no-auth', 'serve every request as an admin without a token (local use only)')
      .option('--poll-ms <ms>', 'how often to re-read the production aliases', milliseconds, 1000)
      .option('--workflows <dir>', 'the workflows directory (saved workflows, and where relative paths in configs point)', 'workflows')
      .addOption(new Option('--engine <engine>', 'where runs go unless a request says otherwise').choices(['embedded', 'temporal']).default('embedded'))
      .option('--max-runs <n>', 'embedded runs at once; more wait in a queue', positiveInt, 8)
      .option('--concurrency <n>', 'nodes to run at once within a run, unless a request says otherwise', positiveInt, 4),
  ).action(act(async (flags: ServeFlags) => withLoom(cli, (loom) => serve(loom, flags))));
}
