/**
 * Live run events over socket.io (engine/server/socket.ts): `subscribe {runId}` acknowledges the run's events so
 * far (the replay), then the server sends each new event as `run.event`. The journal's order is the delivery
 * order, so a subscription only has to count what it delivered: after a reconnect it subscribes again and skips
 * the first `delivered` events of the fresh replay, and nothing is shown twice or lost.
 *
 * A refused handshake (a token the socket does not accept) or a lost connection is reported to every subscription
 * (`onError`), and to any made while the socket is down; `onLive` tells a subscription its feed is back.
 */
import { io } from 'socket.io-client';
import type { RunEvent } from './types';

type Ack = (reply: SubscribeReply) => void;
type SubscribeReply = { ok: true; runId: string; source?: string; events: RunEvent[] } | { ok: false; error: { code: string; message: string } };

/** The part of a socket.io client socket this module uses (a fake one in tests). */
export interface SocketLike {
  readonly connected: boolean;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  emit(event: string, payload: unknown, ack?: Ack): unknown;
  disconnect(): unknown;
}

export interface RunSocketOptions {
  /** The bearer token (the handshake's `auth: { token }`). */
  readonly token?: string;
  /** Default: same origin. */
  readonly url?: string;
  /** Tests pass a fake; default: socket.io-client's `io`. */
  readonly connect?: (url: string | undefined, options: { auth: { token?: string }; path: string }) => SocketLike;
}

export interface Subscription {
  readonly runId: string;
  /** Stops delivering and leaves the run's room. */
  close(): void;
}

interface SubscribeHandlers {
  readonly onEvent: (event: RunEvent) => void;
  readonly onError?: (error: SocketError) => void;
  readonly onLive?: () => void;
}

/** A refused subscription (unknown run, bad token) or a failed connection. */
export interface SocketError {
  readonly code: string;
  readonly message: string;
}

interface Active {
  readonly runId: string;
  readonly handlers: SubscribeHandlers;
  /** How many of the run's events were delivered: the next replay starts after them. */
  delivered: number;
  /** Live events that came while a (re-)subscription waited for its replay. */
  buffered: RunEvent[] | undefined;
  closed: boolean;
}

const sameEvent = (a: RunEvent, b: RunEvent) => a.at === b.at && a.type === b.type && JSON.stringify(a) === JSON.stringify(b);

export class RunSocket {
  readonly #socket: SocketLike;
  readonly #active = new Set<Active>();
  /** Why the socket is down (undefined while connected or still connecting the first time). */
  #down: SocketError | undefined;

  constructor(options: RunSocketOptions = {}) {
    const connect = options.connect ?? ((url, opts) => (url ? io(url, opts) : io(opts)) as unknown as SocketLike);
    this.#socket = connect(options.url, { auth: { token: options.token }, path: '/socket.io' });
    // `connect` fires again after every reconnection: the new socket is in no room, so every run subscribes again.
    this.#socket.on('connect', () => {
      this.#down = undefined;
      this.#active.forEach((a) => this.#request(a));
    });
    this.#socket.on('run.event', ((event: RunEvent) => this.#live(event)) as (...args: never[]) => void);
    this.#socket.on('connect_error', ((error: Error & { data?: { code?: string } }) => {
      this.#fail({ code: error.data?.code ?? 'DISCONNECTED', message: error.message || 'the connection failed' });
    }) as (...args: never[]) => void);
    this.#socket.on('disconnect', ((reason: string) => {
      // Our own close() is not a failure.
      if (reason !== 'io client disconnect') this.#fail({ code: 'DISCONNECTED', message: `the connection was lost (${reason})` });
    }) as (...args: never[]) => void);
  }

  /** Why live updates are not coming, while the socket is down. */
  get down(): SocketError | undefined {
    return this.#down;
  }

  /**
   * Delivers the run's events so far, then each new one, once each and in order, until `close()`.
   * @example const sub = socket.subscribe(runId, (e) => events.push(e), (error) => show(error.message)); … sub.close();
   */
  subscribe(runId: string, onEvent: (event: RunEvent) => void, onError?: (error: SocketError) => void, onLive?: () => void): Subscription {
    const active: Active = { runId, handlers: { onEvent, ...(onError ? { onError } : {}), ...(onLive ? { onLive } : {}) }, delivered: 0, buffered: undefined, closed: false };
    this.#active.add(active);
    if (this.#socket.connected) this.#request(active);
    // A socket refused before this subscription would otherwise leave it waiting in silence.
    else if (this.#down) onError?.(this.#down);
    return {
      runId,
      close: () => {
        active.closed = true;
        this.#active.delete(active);
        if (![...this.#active].some((a) => a.runId === runId) && this.#socket.connected) this.#socket.emit('unsubscribe', { runId });
      },
    };
  }

  close(): void {
    this.#active.clear();
    this.#socket.disconnect();
  }

  #fail(error: SocketError): void {
    this.#down = error;
    this.#active.forEach((a) => a.handlers.onError?.(error));
  }

  #request(active: Active): void {
    active.buffered = [];
    this.#socket.emit('subscribe', { runId: active.runId }, (reply) => {
      if (active.closed) return;
      const buffered = active.buffered ?? [];
      active.buffered = undefined;
      if (!reply.ok) return active.handlers.onError?.(reply.error);
      active.handlers.onLive?.();
      // 1. The replay holds every event from the first: deliver only those past the ones delivered before.
      for (const event of reply.events.slice(active.delivered)) this.#deliver(active, event);
      active.delivered = Math.max(active.delivered, reply.events.length);
      // 2. Live events that raced the replay (another subscription to the run kept the socket in its room): any
      //    already delivered by the replay are among its last few, and are dropped.
      const tail = reply.events.slice(-buffered.length);
      for (const event of buffered) if (!tail.some((e) => sameEvent(e, event))) this.#deliverCounted(active, event);
    });
  }

  #live(event: RunEvent): void {
    for (const active of this.#active) {
      if (active.runId !== event.runId || active.closed) continue;
      if (active.buffered) active.buffered.push(event);
      else this.#deliverCounted(active, event);
    }
  }

  #deliverCounted(active: Active, event: RunEvent): void {
    active.delivered++;
    this.#deliver(active, event);
  }

  #deliver(active: Active, event: RunEvent): void {
    try {
      active.handlers.onEvent(event);
    } catch (error) {
      // A listener's bug must not stop the stream for the others.
      console.error(error);
    }
  }
}

export { foldNodes, type FoldOptions } from './fold-nodes';
