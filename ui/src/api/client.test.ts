import { describe, expect, test, vi } from 'vitest';
import { ApiClient, ApiError } from './client';
import { fakeFetch } from './test-fakes';

const storage = () => {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k) };
};

describe('ApiClient reads the shapes the routes answer', () => {
  test('runs, logs, preview and the model registry come unwrapped from their envelopes', async () => {
    const { fetch } = fakeFetch({
      'GET /api/runs?limit=50': { runs: [{ runId: 'r1', workflow: 'w', engine: 'embedded', status: 'succeeded', createdAt: 'x', finishedAt: null, durationMs: null, nodes: { total: 1, done: 1, failed: 0 }, error: null }] },
      'GET /api/runs/r1/nodes/a/logs': { runId: 'r1', node: 'a', entries: [{ at: 't', kind: 'log', level: 'info', message: 'hi' }] },
      'GET /api/runs/r1/nodes/a/outputs/data/preview?rows=5': { runId: 'r1', node: 'a', port: 'data', ref: { type: 'dataset', sha256: 's', bytes: 1 }, preview: { kind: 'json', value: 1 } },
      'GET /api/models': { models: [{ name: 'm', versions: 2, latest: 2, aliases: { production: 2 }, createdAt: 'a', updatedAt: 'b', serving: null }] },
      'GET /api/models/m/versions': { name: 'm', versions: [{ version: 2 }] },
      'GET /api/models/m/history': { name: 'm', moves: [{ id: 1 }] },
      'POST /api/models/m/rollback': (body: unknown) => ({ move: { id: 2, body }, serving: null }),
    });
    const api = new ApiClient({ fetch, storage: storage() });
    expect((await api.runs())[0]!.runId).toBe('r1');
    expect(await api.logs('r1', 'a')).toEqual([{ at: 't', kind: 'log', level: 'info', message: 'hi' }]);
    expect((await api.preview('r1', 'a', 'data', 5)).preview).toEqual({ kind: 'json', value: 1 });
    expect((await api.models())[0]!.aliases).toEqual({ production: 2 });
    expect(await api.versions('m')).toEqual([{ version: 2 }]);
    expect(await api.history('m')).toEqual([{ id: 1 }]);
    expect((await api.rollback('m', 'bad canary', 1)).move).toEqual({ id: 2, body: { reason: 'bad canary', to: 1 } });
  });

  test("an error carries the server's code, message and problems; a 401 asks for a token", async () => {
    const problems = [{ pointer: '/nodes/1/inputs/data', message: 'node "nope" does not exist' }];
    const { fetch, requests } = fakeFetch({ 'POST /api/runs': { status: 400, body: { error: { code: 'WORKFLOW_INVALID', message: 'workflow "w" is invalid', details: { problems } } } }, 'GET /api/models': { status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'no token' } } } });
    const onUnauthorized = vi.fn();
    const api = new ApiClient({ fetch, storage: storage(), onUnauthorized });
    api.token = 'secret';
    const error = await api.startRun({ name: 'w' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'WORKFLOW_INVALID', message: 'workflow "w" is invalid', details: { problems } });
    await expect(api.models()).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).toHaveBeenCalledExactlyOnceWith('secret'); // the token that request carried
    expect(requests[0]).toEqual({ method: 'POST', path: '/api/runs', body: { name: 'w' } });
  });

  test('a body that is not JSON is an ApiError that quotes it', async () => {
    const api = new ApiClient({ fetch: (async () => new Response('<html>502 Bad Gateway</html>', { status: 502 })) as typeof fetch, storage: storage() });
    await expect(api.runs()).rejects.toMatchObject({ status: 502, message: expect.stringContaining('502 Bad Gateway') });
  });
});
