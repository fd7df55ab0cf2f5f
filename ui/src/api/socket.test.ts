import { describe, expect, test } from 'vitest';
import { afterApproval, runEvents, RUN_ID } from './fixture-events';
import { RunSocket } from './socket';
import { FakeSocket } from './test-fakes';
import type { RunEvent } from './types';

function setup() {
  const fake = new FakeSocket();
  let handshake: unknown;
  const socket = new RunSocket({ token: 't0ken', connect: (_url, options) => ((handshake = options), fake) });
  return { fake, socket, handshake: () => handshake };
}

const types = (events: RunEvent[]) => events.map((e) => `${e.type}${'nodeId' in e ? ` ${e.nodeId}` : ''}@${e.at.slice(17, 23)}`);

describe('RunSocket', () => {
  test('hands the token to the handshake as auth', () => {
    expect(setup().handshake()).toEqual({ auth: { token: 't0ken' }, path: '/socket.io' });
  });

  test('delivers the replay, then live events, each once and in order', () => {
    const { fake, socket } = setup();
    runEvents.slice(0, 5).forEach((e) => fake.push(e, false));
    const got: RunEvent[] = [];
    socket.subscribe(RUN_ID, (e) => got.push(e));
    expect(got).toEqual([]); // not connected yet: it subscribes on connect
    fake.connect();
    expect(fake.emitted).toEqual([{ event: 'subscribe', payload: { runId: RUN_ID } }]);
    runEvents.slice(5).forEach((e) => fake.push(e));
    expect(types(got)).toEqual(types(runEvents));
  });

  test('after a reconnect it subscribes again and delivers only what it missed', () => {
    const { fake, socket } = setup();
    fake.connect();
    runEvents.slice(0, 3).forEach((e) => fake.push(e, false));
    const got: RunEvent[] = [];
    socket.subscribe(RUN_ID, (e) => got.push(e));
    runEvents.slice(3, 8).forEach((e) => fake.push(e));
    fake.drop();
    runEvents.slice(8).forEach((e) => fake.push(e)); // journalled while the client was away
    fake.connect();
    afterApproval.forEach((e) => fake.push(e));
    expect(fake.emitted.filter((e) => e.event === 'subscribe')).toHaveLength(2);
    expect(types(got)).toEqual(types([...runEvents, ...afterApproval]));
  });

  test('live events that race a replay (a second subscription to the same run) are not shown twice', () => {
    const { fake, socket } = setup();
    fake.connect();
    runEvents.slice(0, 4).forEach((e) => fake.push(e, false));
    const first: RunEvent[] = [];
    const second: RunEvent[] = [];
    socket.subscribe(RUN_ID, (e) => first.push(e));
    fake.holdAcks = true;
    socket.subscribe(RUN_ID, (e) => second.push(e));
    fake.push(runEvents[4]!); // reaches the socket (in the room for the first) before the second's replay
    fake.flushAcks(); // whose replay already holds it
    fake.push(runEvents[5]!);
    expect(types(first)).toEqual(types(runEvents.slice(0, 6)));
    expect(types(second)).toEqual(types(runEvents.slice(0, 6)));
  });

  test('a refused subscription is reported, and closing stops delivery and leaves the room', () => {
    const { fake, socket } = setup();
    fake.connect();
    const errors: unknown[] = [];
    socket.subscribe('nope', () => {}, (e) => errors.push(e));
    expect(errors).toEqual([{ code: 'NOT_FOUND', message: 'no run "nope"' }]);
    fake.push(runEvents[0]!, false);
    const got: RunEvent[] = [];
    const sub = socket.subscribe(RUN_ID, (e) => got.push(e));
    sub.close();
    fake.push(runEvents[1]!);
    expect(got).toHaveLength(1);
    expect(fake.emitted.at(-1)).toEqual({ event: 'unsubscribe', payload: { runId: RUN_ID } });
  });

  test('a refused handshake is reported to every subscription, even one made after it', () => {
    const { fake, socket } = setup();
    const errors: unknown[] = [];
    socket.subscribe(RUN_ID, () => {}, (e) => errors.push(['before', e]));
    fake.refuse('token not accepted');
    socket.subscribe(RUN_ID, () => {}, (e) => errors.push(['after', e]));
    expect(errors).toEqual([
      ['before', { code: 'UNAUTHORIZED', message: 'token not accepted' }],
      ['after', { code: 'UNAUTHORIZED', message: 'token not accepted' }],
    ]);
    expect(socket.down).toEqual({ code: 'UNAUTHORIZED', message: 'token not accepted' });
  });

  test('a dropped connection is reported, and the subscription is told when its feed is live again', () => {
    const { fake, socket } = setup();
    fake.connect();
    fake.push(runEvents[0]!, false);
    const log: string[] = [];
    socket.subscribe(RUN_ID, (e) => log.push(e.type), (e) => log.push(`error: ${e.message}`), () => log.push('live'));
    fake.drop();
    fake.connect();
    expect(log).toEqual(['live', 'run.started', 'error: the connection was lost (transport close)', 'live']);
    expect(socket.down).toBeUndefined();
  });

  test('closing the socket is not reported as a failure', () => {
    const { fake, socket } = setup();
    fake.connect();
    fake.push(runEvents[0]!, false);
    const errors: unknown[] = [];
    socket.subscribe(RUN_ID, () => {}, (e) => errors.push(e));
    socket.close();
    expect(errors).toEqual([]);
  });
});
