/**
 * The run feed over a real journal: this process's runs arrive at once through the engine's doorbell, another
 * writer's events (a second journal connection on the same file, as `loom run` in another process would be) by
 * polling, each exactly once and in journal order; a late subscriber's replay and live events join without a gap.
 */
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { describe, expect } from 'vitest';
import type { RunEvent } from '../run/events.js';
import { SqliteJournal } from '../store/sqlite-journal.js';
import { loomTest, startDoc } from '../../test/fixtures/loom.js';
import { workflow } from '../../test/builder.js';
import { RunFeed, type TemporalFollower } from './run-feed.js';
import type { RunState } from '../run/state.js';

const test = loomTest();

//   a (constant) ──▶ nap (sleep 300 ms)
const napDoc = (ms = 300) => workflow('nap').node('a', 'constant', { config: { x: 1 } }).node('nap', 'sleep', { config: { ms }, inputs: { in: 'a.out' } }).build();

const brief = (e: RunEvent) => `${e.type}${'nodeId' in e ? ` ${e.nodeId}` : ''}`;

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await wait(10);
  }
}

/** Appends a small run's events through another journal connection, as another process would. */
function otherWriter(file: string, runId: string) {
  const journal = new SqliteJournal(file);
  const at = () => new Date().toISOString();
  journal.createRun({ runId, workflow: { name: 'elsewhere', nodes: [] } as never, document: null, engine: 'embedded', createdAt: at(), options: { concurrency: 1 } }, 999_999);
  return {
    append: (event: Record<string, unknown>) => journal.append({ runId, at: at(), ...event } as RunEvent),
    close: () => journal.close(),
  };
}

describe('RunFeed', () => {
  test("delivers an in-process run's events as the engine appends them, in journal order, to run.finished", async ({ loom }) => {
    const feed = new RunFeed({ journalFile: join(loom.home, 'journal.db'), engine: loom.engine, pollMs: 60_000 });
    const seen: RunEvent[] = [];
    const lag: number[] = [];
    feed.subscribe({ all: true }, (event) => {
      seen.push(event);
      lag.push(Date.now() - Date.parse(event.at));
    });
    const run = startDoc(loom, napDoc());
    // The doorbell is synchronous: run.started is delivered before start() returns, with no poll at all.
    expect(seen.map(brief)).toEqual(['run.started']);
    await run.done;
    expect(seen).toEqual(loom.journal.events(run.runId));
    expect(seen.map(brief).filter((t) => !t.startsWith('node.progress'))).toEqual(['run.started', 'node.started a', 'node.succeeded a', 'node.started nap', 'node.succeeded nap', 'run.finished']);
    expect(Math.max(...lag)).toBeLessThan(50);
    await feed.close();
  });

  test("picks up another process's events by polling, once each, in order", async ({ loom }) => {
    const file = join(loom.home, 'journal.db');
    const feed = new RunFeed({ journalFile: file, pollMs: 20 });
    const seen: RunEvent[] = [];
    feed.subscribe({ runId: 'r-other' }, (event) => seen.push(event));
    const other = otherWriter(file, 'r-other');
    other.append({ type: 'run.started', workflow: 'elsewhere', engine: 'embedded', nodes: 1 });
    other.append({ type: 'node.started', nodeId: 'x', attempt: 1, cacheKey: 'k' });
    await until(() => seen.length === 2, 'the first two events');
    feed.poll();
    feed.poll();
    other.append({ type: 'node.succeeded', nodeId: 'x', attempt: 1, durationMs: 1, outputs: {} });
    other.append({ type: 'run.finished', status: 'succeeded' });
    await until(() => seen.length === 4, 'the last two events');
    await wait(100);
    expect(seen.map(brief)).toEqual(['run.started', 'node.started x', 'node.succeeded x', 'run.finished']);
    expect(seen).toEqual(loom.journal.events('r-other'));
    other.close();
    await feed.close();
  });

  test('a late subscriber gets the replay, then exactly the rest: replay + live is the journal', async ({ loom }) => {
    const feed = new RunFeed({ journalFile: join(loom.home, 'journal.db'), engine: loom.engine, pollMs: 20 });
    const run = startDoc(loom, napDoc(600));
    // Join in the middle of the sleep, while progress events are flowing.
    await until(() => loom.journal.events(run.runId).some((e) => e.type === 'node.progress'), 'progress');
    const live: RunEvent[] = [];
    const { replay } = feed.subscribe({ runId: run.runId }, (event) => live.push(event));
    expect(replay.length).toBeGreaterThan(3);
    expect(replay[0]!.type).toBe('run.started');
    await run.done;
    const journal = loom.journal.events(run.runId);
    expect(live.length).toBeGreaterThan(0);
    expect([...replay, ...live]).toEqual(journal);
    await feed.close();
  });

  test('a late subscriber to a run driven elsewhere, with the poll behind: the replay catches up first', async ({ loom }) => {
    const file = join(loom.home, 'journal.db');
    const feed = new RunFeed({ journalFile: file, pollMs: 60_000 });
    const early: RunEvent[] = [];
    feed.subscribe({ all: true }, (event) => early.push(event));
    const other = otherWriter(file, 'r-late');
    other.append({ type: 'run.started', workflow: 'elsewhere', engine: 'embedded', nodes: 1 });
    other.append({ type: 'node.started', nodeId: 'x', attempt: 1, cacheKey: 'k' });
    const live: RunEvent[] = [];
    const { replay } = feed.subscribe({ runId: 'r-late' }, (event) => live.push(event));
    expect(replay.map(brief)).toEqual(['run.started', 'node.started x']);
    // The catch-up delivered the two to the subscriber that was already there, and only once.
    expect(early.map(brief)).toEqual(['run.started', 'node.started x']);
    other.append({ type: 'run.finished', status: 'succeeded' });
    feed.poll();
    expect(live.map(brief)).toEqual(['run.finished']);
    expect(early.map(brief)).toEqual(['run.started', 'node.started x', 'run.finished']);
    other.close();
    await feed.close();
  });

  test('what was in the journal when the feed started is history: replayed, never delivered as live', async ({ loom }) => {
    const file = join(loom.home, 'journal.db');
    const before = await startDoc(loom, napDoc(0)).done;
    const other = otherWriter(file, 'r-running');
    other.append({ type: 'run.started', workflow: 'elsewhere', engine: 'embedded', nodes: 1 });
    const feed = new RunFeed({ journalFile: file, pollMs: 10 });
    const live: RunEvent[] = [];
    feed.subscribe({ all: true }, (event) => live.push(event));
    await wait(80);
    expect(live).toEqual([]);
    expect(feed.replay(before.runId)).toEqual(loom.journal.events(before.runId));
    expect(feed.replay('r-running').map(brief)).toEqual(['run.started']);
    other.append({ type: 'run.finished', status: 'cancelled' });
    await until(() => live.length === 1, 'the new event');
    expect(live.map(brief)).toEqual(['run.finished']);
    expect(feed.replay('r-nothing')).toEqual([]);
    other.close();
    await feed.close();
  });

  test('a listener that throws does not stop the others; after close nothing more is delivered', async ({ loom }) => {
    const logged: unknown[] = [];
    const feed = new RunFeed({ journalFile: join(loom.home, 'journal.db'), engine: loom.engine, pollMs: 10, log: (entry) => logged.push(entry) });
    const seen: string[] = [];
    feed.subscribe({ all: true }, () => {
      throw new Error('listener bug');
    });
    const second = feed.subscribe({ all: true }, (event) => seen.push(brief(event)));
    await startDoc(loom, napDoc(0)).done;
    expect(seen.filter((t) => t === 'run.finished')).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'error', message: 'run feed: a listener failed', error: 'listener bug' });
    second.dispose();
    const count = seen.length;
    await startDoc(loom, napDoc(0)).done;
    expect(seen).toHaveLength(count);
    await feed.close();
    expect(() => feed.replay('x')).toThrow('run feed: closed');
  });

  test('refuses a file that is not a journal', async ({ home }) => {
    expect(() => new RunFeed({ journalFile: join(home, 'other.db') })).toThrow(/other\.db is not a run journal \(no runs and events tables\)/);
  });

  test('a Temporal run (not in the journal) is followed once, replayed from memory, and reaches `all` listeners', async ({ loom }) => {
    const at = new Date().toISOString();
    const events: RunEvent[] = [
      { type: 'run.started', runId: 't1', at, workflow: 'w', engine: 'temporal', nodes: 1 },
      { type: 'node.started', runId: 't1', at, nodeId: 'n', attempt: 1, cacheKey: 'k' },
      { type: 'run.finished', runId: 't1', at, status: 'succeeded' },
    ];
    let follows = 0;
    let push: (event: RunEvent) => void = () => {};
    let finish: () => void = () => {};
    const temporal: TemporalFollower = {
      state: async (runId) => {
        if (runId !== 't1') throw Object.assign(new Error(`no run "${runId}"`), { code: 'RUN_NOT_FOUND' });
        return {} as RunState;
      },
      follow: (_runId, onEvent) => {
        follows++;
        push = onEvent;
        return new Promise((resolve) => (finish = () => resolve({} as RunState)));
      },
    };
    // Connected on first use, as the server's run service does.
    let connects = 0;
    const feed = new RunFeed({ journalFile: join(loom.home, 'journal.db'), temporal: async () => (connects++, temporal), pollMs: 10 });
    const all: RunEvent[] = [];
    feed.subscribe({ all: true }, (event) => all.push(event));
    expect(await feed.locate('nope')).toBe('unknown');
    expect(await feed.locate('t1')).toBe('temporal');
    await until(() => follows === 1, 'the feed to follow the run');
    push(events[0]!);
    push(events[1]!);
    expect(await feed.locate('t1')).toBe('temporal');
    const live: RunEvent[] = [];
    const { replay } = feed.subscribe({ runId: 't1' }, (event) => live.push(event));
    push(events[2]!);
    finish();
    expect(follows).toBe(1);
    expect(connects).toBeGreaterThan(0);
    expect(replay).toEqual(events.slice(0, 2));
    expect(live).toEqual(events.slice(2));
    expect(all).toEqual(events);
    await feed.close();
  });
});
