/**
 * The run feed: the events of every run of a data home, live, whichever process drives the run, each delivered
 * once and in order; and, for any run, the events so far, with the live ones carrying on from there.
 *
 * The journal is the one source of truth. The feed keeps a cursor per run (the last `seq` it delivered) and
 * delivers a run's events by reading the journal past that cursor. Two things make it read:
 *   - the in-process engine's `subscribe`: a doorbell, rung synchronously right after the engine appended an
 *     event, so this process's runs are delivered at once (the event read back is the one just appended);
 *   - a poll every `pollMs` of the runs that are running or finished lately, for runs driven by other
 *     processes (`loom run`, a resume elsewhere).
 * Because both go through the same cursor, an event is delivered once however it was noticed.
 *
 * Temporal runs are not in the journal: the feed follows them with the Temporal client's `follow` (its event log
 * by query) and keeps what it saw in memory for replay.
 */
import type Database from 'better-sqlite3';
import { LoomError } from '../errors.js';
import type { JsonObject } from '../json.js';
import type { RunEvent } from '../run/events.js';
import type { RunState } from '../run/state.js';
import { openDatabase } from '../store/sqlite.js';
import type { ServerLog } from './errors.js';

export type FeedListener = (event: RunEvent) => void;
export type FeedFilter = { readonly runId: string } | { readonly all: true };

export interface FeedSubscription {
  /** For a run: its events before the first live one (none for `all`). */
  readonly replay: readonly RunEvent[];
  dispose(): void;
}

/** The part of the engine's `subscribe` the feed uses (EmbeddedEngine fits). */
export interface EventSource {
  subscribe(listener: (event: RunEvent) => void): { dispose(): void };
}

/** The part of TemporalClient the feed uses; an interface, so that this module does not load the Temporal SDK. */
export interface TemporalFollower {
  follow(runId: string, onEvent: (event: RunEvent) => void, signal?: AbortSignal): Promise<RunState>;
  state(runId: string): Promise<RunState>;
}

export interface RunFeedOptions {
  /** The journal file (`<home>/journal.db`); it must exist with its tables (createLoom creates them). */
  readonly journalFile: string;
  /** The in-process engine, for immediate delivery of its events. */
  readonly engine?: EventSource;
  /** A Temporal client, to follow Temporal runs; or a function that connects one on first use. */
  readonly temporal?: TemporalFollower | (() => Promise<TemporalFollower>);
  /** How often to look for other processes' events; default 150 ms. */
  readonly pollMs?: number;
  readonly log?: ServerLog;
}

/** Where a run's events come from. */
export type RunSource = 'journal' | 'temporal' | 'unknown';

/** A run counts as finished "lately" for this long, which covers clock skew between a writer's `at` and its commit. */
const SLACK_MS = 5_000;
/** A finished run's cursor is dropped after this long: no event can follow `run.finished`. */
const FORGET_MS = 60_000;

interface Cursor {
  seq: number;
  /** When this feed delivered the run's `run.finished` (local clock). */
  finishedAt?: number;
}

interface FollowedRun {
  readonly events: RunEvent[];
  readonly controller: AbortController;
  done: Promise<void>;
  finishedAt?: number;
}

export class RunFeed {
  readonly #db: Database.Database;
  readonly #recent: Database.Statement<[string], { runId: string; seq: number }>;
  readonly #after: Database.Statement<[string, number], { seq: number; data: string }>;
  readonly #upTo: Database.Statement<[string, number], { data: string }>;
  readonly #exists: Database.Statement<[string], { one: number }>;
  readonly #cursors = new Map<string, Cursor>();
  readonly #byRun = new Map<string, Set<FeedListener>>();
  readonly #all = new Set<FeedListener>();
  readonly #followed = new Map<string, FollowedRun>();
  readonly #timer: NodeJS.Timeout;
  readonly #doorbell: { dispose(): void } | undefined;
  readonly #log: ServerLog;
  #lastPoll = Date.now();
  #closed = false;

  constructor(readonly options: RunFeedOptions) {
    this.#log = options.log ?? (() => {});
    this.#db = openDatabase(options.journalFile);
    const tables = this.#db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('runs', 'events')").get() as { n: number };
    if (tables.n !== 2) {
      this.#db.close();
      throw new LoomError('USAGE', `run feed: ${options.journalFile} is not a run journal (no runs and events tables); open the data home with createLoom first`);
    }
    this.#recent = this.#db.prepare(
      `SELECT r.id AS runId, MAX(e.seq) AS seq FROM runs r JOIN events e ON e.run_id = r.id
       WHERE r.status = 'running' OR r.finished_at >= ? GROUP BY r.id`,
    );
    this.#after = this.#db.prepare('SELECT seq, data FROM events WHERE run_id = ? AND seq > ? ORDER BY seq');
    this.#upTo = this.#db.prepare('SELECT data FROM events WHERE run_id = ? AND seq <= ? ORDER BY seq');
    this.#exists = this.#db.prepare('SELECT 1 AS one FROM runs WHERE id = ?');
    // What is in the journal now is history (replay), not news: start every recent run's cursor at its end.
    for (const row of this.#recent.all(new Date(this.#lastPoll - SLACK_MS).toISOString())) this.#cursors.set(row.runId, { seq: row.seq });
    this.#doorbell = options.engine?.subscribe((event) => this.#guard(() => this.#drain(event.runId)));
    this.#timer = setInterval(() => this.#guard(() => this.poll()), options.pollMs ?? 150);
    this.#timer.unref();
  }

  /**
   * Live events of one run or of every run. For a run, `replay` holds its events so far and the listener gets
   * every later one: nothing delivered between the two, so nothing is missed or seen twice.
   * @example const { replay, dispose } = feed.subscribe({ runId }, (event) => send(event));
   */
  subscribe(filter: FeedFilter, listener: FeedListener): FeedSubscription {
    this.#open();
    // 1. Catch up (delivering to the listeners already there), 2. read the replay up to the cursor, 3. add the
    //    listener. All three are synchronous, so no event can be delivered in between.
    const replay = 'all' in filter ? (this.poll(), []) : this.replay(filter.runId);
    const set = 'all' in filter ? this.#all : this.#byRun.get(filter.runId) ?? new Set<FeedListener>();
    if (!('all' in filter)) this.#byRun.set(filter.runId, set);
    set.add(listener);
    return {
      replay,
      dispose: () => {
        set.delete(listener);
        if (!('all' in filter) && set.size === 0 && this.#byRun.get(filter.runId) === set) this.#byRun.delete(filter.runId);
      },
    };
  }

  /**
   * A run's events so far: exactly those the feed has delivered, after catching up. Called synchronously before
   * adding a listener of your own (as `subscribe` does), the listener's first event is the one after these.
   */
  replay(runId: string): RunEvent[] {
    this.#open();
    const followed = this.#followed.get(runId);
    if (followed) return [...followed.events];
    this.poll();
    const cursor = this.#cursors.get(runId);
    // A run the poll does not track finished before the feed started (or does not exist yet): all of it is history.
    if (!cursor) return this.#after.all(runId, 0).map((row) => JSON.parse(row.data) as RunEvent);
    return this.#upTo.all(runId, cursor.seq).map((row) => JSON.parse(row.data) as RunEvent);
  }

  /**
   * Where a run's events come from. A run not in the journal is looked up on Temporal (when the feed has a
   * client) and, if found there, followed from its start; its events then reach `all` listeners too.
   */
  async locate(runId: string): Promise<RunSource> {
    this.#open();
    if (this.#followed.has(runId)) return 'temporal';
    if (this.#exists.get(runId)) return 'journal';
    if (!this.options.temporal) return 'unknown';
    try {
      await (await this.#temporal()).state(runId);
    } catch (error) {
      if ((error as LoomError).code === 'RUN_NOT_FOUND') return 'unknown';
      throw error;
    }
    void this.followTemporal(runId);
    return 'temporal';
  }

  /**
   * Follows a Temporal run from its start, once, so that its events reach `all` listeners too (call it for the
   * runs the server starts there). Settles when following ends: the run finished, or the feed closed.
   */
  followTemporal(runId: string): Promise<void> {
    this.#open();
    if (!this.options.temporal) throw new LoomError('USAGE', `run feed: cannot follow Temporal run "${runId}": the feed has no Temporal client`);
    const known = this.#followed.get(runId);
    if (known) return known.done;
    const run: FollowedRun = { events: [], controller: new AbortController(), done: Promise.resolve() };
    this.#followed.set(runId, run);
    const onEvent = (event: RunEvent) => {
      if (run.controller.signal.aborted) return;
      run.events.push(event);
      this.#deliver(event);
    };
    run.done = this.#temporal()
      .then((temporal) => temporal.follow(runId, onEvent, run.controller.signal))
      .then(
        () => undefined,
        (error: unknown) => this.#log({ level: 'error', message: `run feed: stopped following Temporal run ${runId}`, error: (error as Error).message }),
      )
      .finally(() => {
        run.finishedAt = Date.now();
      });
    return run.done;
  }

  /** Delivers what other processes appended since the last look. Runs on a timer; callable at any time. */
  poll(): void {
    if (this.#closed) return;
    const now = Date.now();
    const since = new Date(this.#lastPoll - SLACK_MS).toISOString();
    this.#lastPoll = now;
    for (const row of this.#recent.all(since)) {
      if (row.seq > (this.#cursors.get(row.runId)?.seq ?? 0)) this.#drain(row.runId);
    }
    for (const [runId, cursor] of this.#cursors) if (cursor.finishedAt !== undefined && now - cursor.finishedAt > FORGET_MS) this.#cursors.delete(runId);
    for (const [runId, run] of this.#followed) if (run.finishedAt !== undefined && now - run.finishedAt > FORGET_MS) this.#followed.delete(runId);
  }

  /** Stops polling and following; listeners get nothing more. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#doorbell?.dispose();
    for (const run of this.#followed.values()) run.controller.abort();
    await Promise.all([...this.#followed.values()].map((run) => run.done));
    this.#all.clear();
    this.#byRun.clear();
    this.#db.close();
  }

  /** Delivers a run's journal events past its cursor. Re-entrant: a listener may subscribe (and so drain) again. */
  #drain(runId: string): void {
    if (this.#closed) return;
    let cursor = this.#cursors.get(runId);
    if (!cursor) this.#cursors.set(runId, (cursor = { seq: 0 }));
    for (const row of this.#after.all(runId, cursor.seq)) {
      // A nested drain (from a listener) may have delivered this one already.
      if (row.seq <= cursor.seq) continue;
      cursor.seq = row.seq;
      const event = JSON.parse(row.data) as RunEvent;
      if (event.type === 'run.finished') cursor.finishedAt = Date.now();
      this.#deliver(event);
    }
  }

  #deliver(event: RunEvent): void {
    for (const listener of [...(this.#byRun.get(event.runId) ?? []), ...this.#all]) {
      try {
        listener(event);
      } catch (error) {
        this.#log({ level: 'error', message: 'run feed: a listener failed', runId: event.runId, error: (error as Error).message });
      }
    }
  }

  async #temporal(): Promise<TemporalFollower> {
    const temporal = this.options.temporal!;
    return typeof temporal === 'function' ? temporal() : temporal;
  }

  #guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#log({ level: 'error', message: 'run feed: reading the journal failed', error: (error as Error).message } satisfies JsonObject);
    }
  }

  #open(): void {
    if (this.#closed) throw new LoomError('USAGE', 'run feed: closed');
  }
}
