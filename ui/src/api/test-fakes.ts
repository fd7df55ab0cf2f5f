/** Fakes for the UI's tests: a fetch that answers from a route table and records requests, and a socket.io socket. */
import type { SocketLike } from './socket';
import type { RunEvent } from './types';

export interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

type Answer = unknown | ((body: unknown) => unknown) | { readonly status: number; readonly body: unknown };

/** Routes are `"GET /api/runs?limit=100"`; a route answering `{ status, body }` sets the status. */
export function fakeFetch(routes: Record<string, Answer>): { fetch: typeof fetch; requests: Recorded[] } {
  const requests: Recorded[] = [];
  const fetch = (async (input: string, init?: RequestInit) => {
    const url = new URL(String(input), 'http://loom.test');
    const method = init?.method ?? 'GET';
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    const path = `${url.pathname}${url.search}`;
    requests.push({ method, path, body });
    const key = `${method} ${path}`;
    if (!(key in routes)) return new Response(JSON.stringify({ error: { code: 'NOT_FOUND', message: `no fake route ${key}` } }), { status: 404 });
    let answer = routes[key];
    if (typeof answer === 'function') answer = (answer as (b: unknown) => unknown)(body);
    const withStatus = answer && typeof answer === 'object' && 'status' in answer && 'body' in answer ? (answer as { status: number; body: unknown }) : { status: 200, body: answer };
    return new Response(JSON.stringify(withStatus.body), { status: withStatus.status, headers: { 'Content-Type': 'application/json' } });
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

/** A socket whose server side the test plays: it answers `subscribe` from `journal`, and pushes live events. */
export class FakeSocket implements SocketLike {
  connected = false;
  readonly emitted: { event: string; payload: unknown }[] = [];
  readonly journal = new Map<string, RunEvent[]>();
  /** When set, `subscribe` acks wait until `flushAcks()`. */
  holdAcks = false;
  readonly #listeners = new Map<string, Set<(...args: never[]) => void>>();
  readonly #held: (() => void)[] = [];

  on(event: string, listener: (...args: never[]) => void) {
    if (!this.#listeners.has(event)) this.#listeners.set(event, new Set());
    this.#listeners.get(event)!.add(listener);
    return this;
  }
  off(event: string, listener: (...args: never[]) => void) {
    this.#listeners.get(event)?.delete(listener);
    return this;
  }
  emit(event: string, payload: unknown, ack?: (reply: never) => void) {
    this.emitted.push({ event, payload });
    if (event === 'subscribe' && ack) {
      const runId = (payload as { runId: string }).runId;
      const reply = () => {
        const events = this.journal.get(runId);
        ack((events ? { ok: true, runId, source: 'journal', events: [...events] } : { ok: false, error: { code: 'NOT_FOUND', message: `no run "${runId}"` } }) as never);
      };
      if (this.holdAcks) this.#held.push(reply);
      else reply();
    }
    return this;
  }
  disconnect() {
    this.connected = false;
    this.#fire('disconnect', 'io client disconnect');
    return this;
  }
  flushAcks() {
    this.#held.splice(0).forEach((reply) => reply());
  }
  /** The server side: (re)connection. */
  connect() {
    this.connected = true;
    this.#fire('connect');
  }
  drop() {
    this.connected = false;
    this.#fire('disconnect', 'transport close');
  }
  /** The server side: the handshake is refused (socket.io's middleware error). */
  refuse(message: string, code = 'UNAUTHORIZED') {
    this.connected = false;
    this.#fire('connect_error', Object.assign(new Error(message), { data: { code } }));
  }
  /** The server side: a new event is journalled and sent to the subscribers. */
  push(event: RunEvent, send = true) {
    const list = this.journal.get(event.runId) ?? [];
    list.push(event);
    this.journal.set(event.runId, list);
    if (send && this.connected) this.#fire('run.event', event);
  }
  #fire(event: string, ...args: unknown[]) {
    this.#listeners.get(event)?.forEach((l) => (l as (...a: unknown[]) => void)(...args));
  }
}
