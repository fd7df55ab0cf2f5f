/**
 * The socket.io gateway with a real client against a real HTTP server on a loopback port: the handshake needs a
 * token; a subscriber gets a run's events in journal order to `run.finished`; a late one gets the replay and then
 * the rest; a run driven by another process (`bin/loom.js run`, built with `npx tsc -p .`) streams too.
 */
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { io as connectClient, type Socket } from 'socket.io-client';
import { describe, expect } from 'vitest';
import type { Loom } from '../engine/loom.js';
import type { RunEvent } from '../engine/run/events.js';
import { TokenSet, type AccessControl } from '../engine/server/auth.js';
import { RunFeed } from '../engine/server/run-feed.js';
import { attachSocket } from '../engine/server/socket.js';
import { validateWorkflow } from '../engine/workflow/validate.js';
import { workflow } from './builder.js';
import { spawnLoom, waitFor } from './cli-helpers.js';
import { loomTest } from './fixtures/loom.js';

const VIEWER = 'viewer-token-0123456789';
const tokens: AccessControl = { mode: 'tokens', tokens: new TokenSet([{ name: 'watcher', role: 'viewer', token: VIEWER }]) };

interface Served {
  url: string;
  feed: RunFeed;
  logged: unknown[];
  client(options?: { token?: string; headers?: Record<string, string> }): Promise<Socket>;
  close(): Promise<void>;
}

const test = loomTest().extend<{ served: Served }>({
  served: async ({ loom }, use) => {
    const logged: unknown[] = [];
    const log = (entry: unknown) => logged.push(entry);
    const feed = new RunFeed({ journalFile: join(loom.home, 'journal.db'), engine: loom.engine, pollMs: 100, log });
    const server = createServer((_req, res) => res.writeHead(404).end());
    const gateway = attachSocket(server, { feed, access: tokens, log });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const sockets: Socket[] = [];
    const client = ({ token, headers }: { token?: string; headers?: Record<string, string> } = { token: VIEWER }) =>
      new Promise<Socket>((resolve, reject) => {
        const socket = connectClient(url, { path: '/socket.io', transports: ['websocket'], reconnection: false, ...(token ? { auth: { token } } : {}), ...(headers ? { extraHeaders: headers } : {}) });
        sockets.push(socket);
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', reject);
      });
    const close = async () => {
      await gateway.close();
      await feed.close();
      await new Promise((resolve) => server.close(resolve));
    };
    await use({ url, feed, logged, client, close });
    for (const socket of sockets) socket.close();
    await close();
  },
});

//   a (constant) ──▶ nap (sleep)
const napDoc = (ms: number, name = 'nap') => workflow(name).node('a', 'constant', { config: { x: 1 } }).node('nap', 'sleep', { config: { ms }, inputs: { in: 'a.out' } }).build();

function start(loom: Loom, doc: unknown, runId?: string) {
  const result = validateWorkflow(doc, loom.registry, { params: {}, requireParams: true });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return loom.engine.start(result.workflow, { document: doc, ...(runId ? { runId } : {}) });
}

/** Every `run.event` a socket receives, from now on. */
function collect(socket: Socket): RunEvent[] {
  const events: RunEvent[] = [];
  socket.on('run.event', (event: RunEvent) => events.push(event));
  return events;
}

const finished = (events: RunEvent[], runId: string) => events.some((e) => e.runId === runId && e.type === 'run.finished');
const ofRun = (events: RunEvent[], runId: string) => events.filter((e) => e.runId === runId);
const brief = (e: RunEvent) => `${e.type}${'nodeId' in e ? ` ${e.nodeId}` : ''}`;

describe('the handshake', () => {
  test('a socket without a token is refused with a clear connect_error', async ({ served }) => {
    const error = await served.client({}).catch((e: Error & { data?: unknown }) => e);
    expect(error).toMatchObject({ message: 'authentication required: send "Authorization: Bearer <token>"', data: { code: 'UNAUTHORIZED' } });
    expect(served.logged).toContainEqual(expect.objectContaining({ level: 'warn', message: 'socket.io handshake refused', code: 'UNAUTHORIZED' }));
  });

  test('a bad token is refused, in auth or in the Authorization header', async ({ served }) => {
    await expect(served.client({ token: 'not-the-token-at-all' })).rejects.toMatchObject({ message: 'the bearer token is not valid', data: { code: 'UNAUTHORIZED' } });
    await expect(served.client({ headers: { authorization: 'Bearer not-the-token-at-all' } })).rejects.toMatchObject({ message: 'the bearer token is not valid' });
  });

  test('a good token in the Authorization header is accepted', async ({ served }) => {
    const socket = await served.client({ headers: { authorization: `Bearer ${VIEWER}` } });
    expect(socket.connected).toBe(true);
  });
});

describe('subscribing', () => {
  test('subscribe, start a run, receive its events in journal order through run.finished', async ({ served, loom }) => {
    const socket = await served.client();
    const events = collect(socket);
    // The run does not exist yet: an empty replay, and the subscription waits for it.
    expect(await socket.emitWithAck('subscribe', { runId: 'r-first' })).toEqual({ ok: true, runId: 'r-first', source: 'unknown', events: [] });
    await start(loom, napDoc(300), 'r-first').done;
    await waitFor(() => finished(events, 'r-first'), 'run.finished', 5000);
    expect(events).toEqual(loom.journal.events('r-first'));
    expect(events.map(brief).filter((t) => t !== 'node.progress nap')).toEqual(['run.started', 'node.started a', 'node.succeeded a', 'node.started nap', 'node.succeeded nap', 'run.finished']);
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', runId: 'r-first', status: 'succeeded' });
  });

  test('a late subscriber gets the replay in the ack, then the rest: no gap, no duplicate', async ({ served, loom }) => {
    const run = start(loom, napDoc(800));
    await waitFor(() => loom.journal.events(run.runId).filter((e) => e.type === 'node.progress').length >= 2, 'progress');
    const socket = await served.client();
    const live = collect(socket);
    const ack = (await socket.emitWithAck('subscribe', { runId: run.runId })) as { ok: true; source: string; events: RunEvent[] };
    expect(ack.source).toBe('journal');
    expect(ack.events.map(brief).slice(0, 4)).toEqual(['run.started', 'node.started a', 'node.succeeded a', 'node.started nap']);
    await run.done;
    await waitFor(() => finished(live, run.runId), 'run.finished', 5000);
    expect(live.length).toBeGreaterThan(0);
    expect([...ack.events, ...live]).toEqual(loom.journal.events(run.runId));
    // The same run, asked again after it finished: all of it in the replay.
    expect(((await socket.emitWithAck('subscribe', { runId: run.runId })) as { events: RunEvent[] }).events).toEqual(loom.journal.events(run.runId));
  });

  test('{ all: true } sees two runs, each in its own order; unsubscribe stops them', async ({ served, loom }) => {
    const socket = await served.client();
    const events = collect(socket);
    expect(await socket.emitWithAck('subscribe', { all: true })).toEqual({ ok: true });
    const one = start(loom, napDoc(200, 'one'));
    const two = start(loom, napDoc(300, 'two'));
    await Promise.all([one.done, two.done]);
    await waitFor(() => finished(events, one.runId) && finished(events, two.runId), 'both runs to finish', 5000);
    expect(ofRun(events, one.runId)).toEqual(loom.journal.events(one.runId));
    expect(ofRun(events, two.runId)).toEqual(loom.journal.events(two.runId));
    expect(events).toHaveLength(loom.journal.events(one.runId).length + loom.journal.events(two.runId).length);

    // Subscribed to `all` and to one run: each event once. Then unsubscribed from both: nothing.
    await socket.emitWithAck('subscribe', { runId: 'r-both' });
    await start(loom, napDoc(0), 'r-both').done;
    await waitFor(() => finished(events, 'r-both'), 'r-both');
    expect(ofRun(events, 'r-both')).toEqual(loom.journal.events('r-both'));
    expect(await socket.emitWithAck('unsubscribe', { all: true })).toEqual({ ok: true });
    expect(await socket.emitWithAck('unsubscribe', { runId: 'r-both' })).toEqual({ ok: true });
    const count = events.length;
    await start(loom, napDoc(0)).done;
    await wait(250);
    expect(events).toHaveLength(count);
  });

  test('`state` answers the run state folded from its events; bad requests get an error ack', async ({ served, loom }) => {
    const socket = await served.client();
    const run = start(loom, napDoc(0));
    await run.done;
    const reply = (await socket.emitWithAck('state', { runId: run.runId })) as { ok: true; state: Record<string, unknown> };
    expect(reply).toMatchObject({ ok: true, runId: run.runId, source: 'journal', state: { runId: run.runId, workflow: 'nap', status: 'succeeded', nodes: { a: { status: 'succeeded' }, nap: { status: 'succeeded' } } } });
    expect(await socket.emitWithAck('subscribe', { runId: '../etc' })).toEqual({ ok: false, error: { code: 'USAGE', message: 'subscribe: expected { "runId": "<run id>" } or { "all": true }, got {"runId":"../etc"}' } });
    expect(await socket.emitWithAck('state', { all: true })).toEqual({ ok: false, error: { code: 'USAGE', message: 'state: expected { "runId": "<run id>" }, got {"all":true}' } });
    expect(await socket.emitWithAck('subscribe', null)).toMatchObject({ ok: false, error: { message: 'subscribe: expected { "runId": "<run id>" } or { "all": true }, got null' } });
  });

  test('closing the gateway disconnects the clients', async ({ served }) => {
    const socket = await served.client();
    const reason = new Promise((resolve) => socket.once('disconnect', resolve));
    await served.close();
    expect(await reason).toMatch(/io server disconnect|transport close/);
  });
});

describe('a run driven by another process', () => {
  test('`loom run` in another process streams to subscribers, live and late, exactly as journaled', async ({ served, loom, home }) => {
    const file = join(home, 'elsewhere.json');
    await writeFile(file, JSON.stringify(napDoc(1500, 'elsewhere')));
    const watcher = await served.client();
    const all = collect(watcher);
    const lag: number[] = [];
    watcher.on('run.event', (event: RunEvent) => lag.push(Date.now() - Date.parse(event.at)));
    await watcher.emitWithAck('subscribe', { all: true });

    const child = spawnLoom(['run', file], { LOOM_HOME: home });
    await waitFor(() => all.some((e) => e.type === 'node.progress'), 'progress from the other process', 30_000);
    const runId = all[0]!.runId;
    expect(all[0]).toMatchObject({ type: 'run.started', workflow: 'elsewhere' });

    // A late subscriber, mid-run, to a run this process does not drive.
    const late = await served.client();
    const live = collect(late);
    const ack = (await late.emitWithAck('subscribe', { runId })) as { events: RunEvent[] };
    expect((await child.result).code).toBe(0);
    await waitFor(() => finished(all, runId) && finished(live, runId), 'run.finished on both sockets', 5000);

    const journal = loom.journal.events(runId);
    expect(all).toEqual(journal);
    expect([...ack.events, ...live]).toEqual(journal);
    expect(live.length).toBeGreaterThan(0);
    lag.sort((a, b) => a - b);
    const figures = { events: lag.length, min: lag[0], median: lag[Math.floor(lag.length / 2)], p90: lag[Math.floor(lag.length * 0.9)], max: lag.at(-1) };
    process.stdout.write(`journal append → socket delivery for another process's run (poll 100 ms): ${JSON.stringify(figures)} ms\n`);
    expect(figures.median).toBeLessThan(400);
  });
});
