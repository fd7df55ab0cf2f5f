/**
 * `loom serve`: the composition root of the HTTP server. It picks the adapters the app only knows by their ports:
 * the data home's registry and artifact store, the opener that decrypts and loads model files (with the keyring
 * from the environment), and the API tokens. Without tokens it refuses to start unless told `--no-auth`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError, type Command } from 'commander';
import { loadKeyring, type Keyring } from '../../plugins/encrypt/keys.js';
import { openServable } from '../../plugins/serving/servable.js';
import type { Loom } from '../loom.js';
import { createApp } from '../server/app.js';
import { loadTokens, TOKEN_HELP, type AccessControl } from '../server/auth.js';
import type { ModelOpener } from '../server/model-port.js';
import { EXIT, UsageError, withLoom } from './common.js';

type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

interface ServeFlags {
  port: number;
  host: string;
  /** False with --no-auth. */
  auth: boolean;
  pollMs: number;
}

/** Opens a registered version's bytes: decrypted and verified when sealed, refused when sealed for another model. */
/**
 * Opens a registered version for serving. A sealed artifact must be bound to the name it is registered under and
 * to the version string publish recorded from it; with LOOM_REQUIRE_SIGNATURE=1 it must also carry a signature by
 * a trusted key (and plain models are refused).
 */
export function servableOpener(keyring: Keyring, env: NodeJS.ProcessEnv = process.env): ModelOpener {
  const requireSignature = env.LOOM_REQUIRE_SIGNATURE === '1' || env.LOOM_REQUIRE_SIGNATURE === 'true';
  return async (version, bytes) => {
    const bound = version.encrypted && typeof version.params.version === 'string' ? { version: version.params.version } : {};
    return openServable(bytes, { keyring, expect: { model: version.name, ...bound }, requireSignature });
  };
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

async function serve(loom: Loom, flags: ServeFlags): Promise<number> {
  const access = accessControl(flags);
  const opener = servableOpener(loadKeyring(process.env));
  const loomApp = createApp({ registry: loom.models, artifacts: loom.artifacts, opener, access, pollMs: flags.pollMs });
  const server = createServer(loomApp.app);
  const signal = nextSignal();
  try {
    const address = await listen(server, flags.port, flags.host);
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const auth = access.mode === 'off' ? 'auth off' : `${access.tokens.size} API token${access.tokens.size === 1 ? '' : 's'}: ${access.tokens.names.join(', ')}`;
    process.stdout.write(`loom serving http://${host}:${address.port} (${auth}; data home ${loom.home})\n`);
    const received = await signal;
    process.stdout.write(`${received}: shutting down\n`);
    await shutdown(server, 5000);
    return EXIT.ok;
  } finally {
    await loomApp.close();
  }
}

export function registerServeCommand(cli: Command, act: Act): void {
  cli
    .command('serve')
    .description('serve the model registry and the production models over HTTP (recommend, predict, rollback, /metrics)')
    .option('--port <n>', 'port to listen on (0 picks a free one)', portNumber, 8080)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--no-auth', 'serve every request as an admin without a token (local use only)')
    .option('--poll-ms <ms>', 'how often to re-read the production aliases', milliseconds, 1000)
    .action(act(async (flags: ServeFlags) => withLoom(cli, (loom) => serve(loom, flags))));
}
