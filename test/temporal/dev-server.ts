/**
 * A real Temporal dev server for tests and benchmarks: `temporal server start-dev` on a free port with its own
 * SQLite file, waited for far longer than the SDK's 5 s (two slow cores), and stoppable or killable mid-test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { ensureTemporal } from '../../scripts/ensure-temporal.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface DevServer {
  readonly address: string;
  readonly dbFile: string;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** Kills it at once, as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port and database file. */
  restart(): Promise<void>;
}

async function waitUntilReady(address: string, child: ChildProcess, log: () => string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with ${child.exitCode}:\n${log()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch {
      await sleep(250);
    }
  }
  throw new Error(`temporal dev server at ${address} was not ready within ${timeoutMs} ms:\n${log()}`);
}

export async function startDevServer(dir: string): Promise<DevServer> {
  const binary = ensureTemporal({ quiet: true });
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const dbFile = join(dir, `temporal-${port}.db`);
  let child: ChildProcess;
  let output = '';
  const launch = async () => {
    output = '';
    child = spawn(
      binary,
      ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--db-filename', dbFile, '--log-level', 'error', '--namespace', 'default'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    await waitUntilReady(address, child, () => output);
  };
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  await launch();
  return { address, dbFile, stop: () => end('SIGTERM'), kill: () => end('SIGKILL'), restart: launch };
}
