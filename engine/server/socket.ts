/**
 * The socket.io gateway: live run events for the editor, scripts and other services, on the HTTP server's port
 * at path `/socket.io`. Every socket authenticates at the handshake with a bearer token (as the HTTP routes do).
 *
 * Client → server (each with an acknowledgement callback):
 *   `subscribe`   { runId }    → { ok: true, runId, source, events }   the run's events so far, then `run.event`s
 *                 { all: true } → { ok: true }                        every run's events from now on
 *   `unsubscribe` { runId } | { all: true } → { ok: true }
 *   `state`       { runId }    → { ok: true, runId, source, state }   the run's RunState folded from its events
 *   Failures acknowledge { ok: false, error: { code, message } }.
 * Server → client:
 *   `run.event`   the engine's RunEvent, unchanged (the `RunEvent` union of engine/run/events.ts).
 *
 * Each subscription is a socket.io room (`run:<id>`, `runs`); the gateway has one feed listener that emits each
 * event to both rooms at once, so a socket in both gets it once.
 */
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { LoomError } from '../errors.js';
import type { RunEvent } from '../run/events.js';
import { emptyRunState, foldEvents } from '../run/state.js';
import { principalFor, type AccessControl, type Principal } from './auth.js';
import type { ServerLog } from './errors.js';
import type { RunFeed } from './run-feed.js';

export const SOCKET_PATH = '/socket.io';
const ALL_ROOM = 'runs';
const runRoom = (runId: string) => `run:${runId}`;
/** Run ids are `newRunId()` stamps or caller-chosen ids; anything printable and short is accepted. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export interface SocketOptions {
  readonly feed: RunFeed;
  readonly access: AccessControl;
  readonly log?: ServerLog;
}

export interface SocketGateway {
  readonly io: Server;
  /** Disconnects every socket and stops the gateway; the HTTP server is left to its owner to close. */
  close(): Promise<void>;
}

type Ack = (reply: object) => void;
type Request = { runId: string } | { all: true };

class RequestError extends LoomError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

function parseRequest(name: string, payload: unknown, allowAll: boolean): Request {
  const body = (payload ?? {}) as Record<string, unknown>;
  if (allowAll && body.all === true) return { all: true };
  if (typeof body.runId === 'string' && RUN_ID.test(body.runId)) return { runId: body.runId };
  const expected = allowAll ? '{ "runId": "<run id>" } or { "all": true }' : '{ "runId": "<run id>" }';
  throw new RequestError(`${name}: expected ${expected}, got ${JSON.stringify(payload) ?? 'nothing'}`);
}

/** The bearer token of a handshake: `auth: { token }` from a socket.io client, else the Authorization header. */
function authorizationOf(socket: Socket): string | undefined {
  const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
  if (typeof token === 'string' && token !== '') return `Bearer ${token}`;
  return socket.handshake.headers.authorization;
}

/**
 * Attaches the gateway to an HTTP server (the one serving the express app).
 * @example const gateway = attachSocket(server, { feed, access, log }); … await gateway.close();
 */
export function attachSocket(httpServer: HttpServer, options: SocketOptions): SocketGateway {
  const { feed, access } = options;
  const log = options.log ?? (() => {});
  const io = new Server(httpServer, { path: SOCKET_PATH, serveClient: false, maxHttpBufferSize: 64 * 1024 });

  io.use((socket, next) => {
    try {
      socket.data.principal = principalFor(access, authorizationOf(socket));
      next();
    } catch (error) {
      const { code, message } = error as LoomError;
      log({ level: 'warn', message: 'socket.io handshake refused', code: code ?? 'UNAUTHORIZED', reason: message, ip: socket.handshake.address });
      // The client sees this as `connect_error` with err.message and err.data.
      next(Object.assign(new Error(message), { data: { code: code ?? 'UNAUTHORIZED' } }));
    }
  });

  // One listener for the whole gateway; the rooms decide who gets what.
  const subscription = feed.subscribe({ all: true }, (event: RunEvent) => {
    io.to([ALL_ROOM, runRoom(event.runId)]).emit('run.event', event);
  });

  io.on('connection', (socket) => {
    const principal = socket.data.principal as Principal;
    /** Runs each handler with an acknowledgement, turning errors into `{ ok: false, error }`. */
    const handle = (name: string, fn: (payload: unknown) => Promise<object> | object) => {
      socket.on(name, async (payload: unknown, ack?: Ack) => {
        const reply = typeof ack === 'function' ? ack : () => {};
        try {
          reply({ ok: true, ...(await fn(payload)) });
        } catch (error) {
          const { code, message } = error as LoomError;
          if (!(error instanceof LoomError)) log({ level: 'error', message: `socket.io ${name} failed`, actor: principal.name, error: (error as Error).stack ?? String(error) });
          reply({ ok: false, error: { code: error instanceof LoomError ? code : 'INTERNAL', message: error instanceof LoomError ? message : `${name} failed; the server log has the details` } });
        }
      });
    };

    handle('subscribe', async (payload) => {
      const request = parseRequest('subscribe', payload, true);
      if ('all' in request) {
        void socket.join(ALL_ROOM);
        return {};
      }
      const source = await feed.locate(request.runId);
      // NOTE: replay and join happen in one synchronous step (the in-memory adapter joins synchronously), so
      // the first `run.event` this socket gets for the run is the one after the replay's last.
      const events = feed.replay(request.runId);
      void socket.join(runRoom(request.runId));
      return { runId: request.runId, source, events };
    });

    handle('unsubscribe', (payload) => {
      const request = parseRequest('unsubscribe', payload, true);
      void socket.leave('all' in request ? ALL_ROOM : runRoom(request.runId));
      return {};
    });

    handle('state', async (payload) => {
      const { runId } = parseRequest('state', payload, false) as { runId: string };
      const source = await feed.locate(runId);
      const events = feed.replay(runId);
      const started = events.find((e) => e.type === 'run.started');
      const state = foldEvents(emptyRunState(runId, started?.type === 'run.started' ? started.workflow : '', []), events);
      return { runId, source, state };
    });
  });

  let closed = false;
  return {
    io,
    close: async () => {
      if (closed) return;
      closed = true;
      subscription.dispose();
      io.disconnectSockets(true);
      io.engine.close();
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
}
