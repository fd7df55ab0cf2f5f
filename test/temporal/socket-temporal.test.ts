/**
 * The socket.io gateway streams a Temporal run: the feed finds the run on Temporal (it is not in the journal),
 * follows it through its event-log query and the activities' heartbeats, and emits the same RunEvents the
 * embedded engine would, in order and once each, to a subscriber that joined early and to one that joined late.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { io as connectClient, type Socket } from 'socket.io-client';
import { expect } from 'vitest';
import type { RunEvent } from '../../engine/run/events.js';
import type { EventsPage } from '../../engine/temporal/contract.js';
import { RunFeed } from '../../engine/server/run-feed.js';
import { attachSocket } from '../../engine/server/socket.js';
import { workflow } from '../builder.js';
import { waitFor } from '../cli-helpers.js';
import { compile, temporalTest } from './fixture.js';

const test = temporalTest();

/** What the run's own event log holds; the feed adds node.progress (and node.retrying) from heartbeats. */
const logged = (events: RunEvent[]) => events.filter((e) => e.type !== 'node.progress' && e.type !== 'node.retrying');
const brief = (e: RunEvent) => `${e.type}${'nodeId' in e ? ` ${e.nodeId}` : ''}`;

test('a Temporal run streams over socket.io: subscribe, late subscribe with replay, same events as its log', async ({ loom, temporal }) => {
  const feed = new RunFeed({ journalFile: join(loom.home, 'journal.db'), engine: loom.engine, temporal: temporal.client });
  const server = createServer((_req, res) => res.writeHead(404).end());
  const gateway = attachSocket(server, { feed, access: { mode: 'off' } });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const connect = () =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connectClient(url, { transports: ['websocket'], reconnection: false });
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });
  const sockets: Socket[] = [];
  try {
    //   a (constant) ──▶ nap (sleep 2.5 s)
    const doc = workflow('nap').node('a', 'constant', { config: { x: 1 } }).chain('a', 'nap', 'sleep', { config: { ms: 2500 } }).build();
    const runId = await temporal.client.start(compile(loom, doc));

    const early = await connect();
    sockets.push(early);
    const events: RunEvent[] = [];
    early.on('run.event', (event: RunEvent) => events.push(event));
    const ack = (await early.emitWithAck('subscribe', { runId })) as { ok: boolean; source: string; events: RunEvent[] };
    expect(ack).toMatchObject({ ok: true, source: 'temporal' });

    await waitFor(() => [...ack.events, ...events].some((e) => e.type === 'node.started' && e.nodeId === 'nap'), 'nap to start', 30_000);
    const late = await connect();
    sockets.push(late);
    const live: RunEvent[] = [];
    late.on('run.event', (event: RunEvent) => live.push(event));
    const lateAck = (await late.emitWithAck('subscribe', { runId })) as { source: string; events: RunEvent[] };
    expect(lateAck.source).toBe('temporal');
    expect(lateAck.events.map(brief).slice(0, 3)).toEqual(['run.started', 'node.started a', 'node.succeeded a']);

    const done = (list: RunEvent[]) => list.some((e) => e.type === 'run.finished');
    await waitFor(() => done([...ack.events, ...events]) && done(live), 'run.finished on both sockets', 60_000);

    const seen = [...ack.events, ...events];
    const log = (await temporal.client.handle(runId).query<EventsPage, [number]>('events', 0)).events;
    expect(logged(seen)).toEqual(log);
    expect(seen.map(brief).filter((t) => t !== 'node.progress nap')).toEqual(['run.started', 'node.started a', 'node.succeeded a', 'node.started nap', 'node.succeeded nap', 'run.finished']);
    expect(seen.some((e) => e.type === 'node.progress' && e.nodeId === 'nap')).toBe(true);
    // The late socket: the replay and then the rest are exactly what the early one saw.
    expect([...lateAck.events, ...live]).toEqual(seen);
    expect(seen.at(-1)).toMatchObject({ type: 'run.finished', status: 'succeeded' });

    const state = (await early.emitWithAck('state', { runId })) as { state: { status: string; nodes: Record<string, { status: string }> } };
    expect(state.state).toMatchObject({ status: 'succeeded', nodes: { a: { status: 'succeeded' }, nap: { status: 'succeeded' } } });
  } finally {
    for (const socket of sockets) socket.close();
    await gateway.close();
    await feed.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
