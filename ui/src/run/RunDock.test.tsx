import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ApiClient } from '../api/client';
import { runEvents, RUN_ID } from '../api/fixture-events';
import { RunSocket } from '../api/socket';
import { FakeSocket, fakeFetch } from '../api/test-fakes';
import type { RunNodes } from '../contracts';
import type { WorkflowDoc } from '../api/types';
import { RunDock } from './RunDock';

afterEach(cleanup);

const doc: WorkflowDoc = {
  version: 1,
  name: 'demo',
  params: { minQuantity: { type: 'integer', default: 1, description: 'Smallest quantity kept.' }, label: { type: 'string' }, strict: { type: 'boolean', default: false } },
  nodes: [
    { id: 'collect', plugin: 'collect@^1' },
    { id: 'train', plugin: 'train@^1' },
    { id: 'gate', plugin: 'approve' },
  ],
};

const collectPreview = {
  runId: RUN_ID, node: 'collect', port: 'data', ref: { type: 'dataset', sha256: 'aaa', bytes: 100 },
  preview: { kind: 'dataset', rows: 45831, columns: [{ name: 'InvoiceNo', type: 'VARCHAR' }, { name: 'Quantity', type: 'BIGINT' }], preview: { columns: ['InvoiceNo', 'Quantity'], rows: [['565080', '8'], ['565082', '2']] } },
};

function setup(routes: Record<string, unknown> = {}) {
  const { fetch, requests } = fakeFetch({
    'GET /api/runs?limit=100': { runs: [{ runId: 'old-1', workflow: 'demo', engine: 'embedded', status: 'succeeded', createdAt: '2026-01-04T09:00:00.000Z', finishedAt: null, durationMs: 1200, nodes: { total: 3, done: 3, failed: 0 }, error: null }, { runId: 'other', workflow: 'else', engine: 'embedded', status: 'failed', createdAt: '2026-01-04T08:00:00.000Z', finishedAt: null, durationMs: null, nodes: { total: 1, done: 0, failed: 1 }, error: 'x' }] },
    'POST /api/runs': { status: 202, body: { runId: RUN_ID, engine: 'embedded', status: 'running', workflow: 'demo' } },
    'POST /api/runs/run-1/approve': { status: 202, body: { runId: RUN_ID, node: 'gate', approved: true, by: 'ada' } },
    [`GET /api/runs/${RUN_ID}/nodes/collect/outputs/data/preview?rows=50`]: collectPreview,
    [`GET /api/runs/${RUN_ID}/nodes/train/outputs/report/preview?rows=50`]: { runId: RUN_ID, node: 'train', port: 'report', ref: { type: 'json', sha256: 'eee', bytes: 1 }, preview: { kind: 'json', value: { params: { losses: [3, 2, 1.5] } } } },
    ...routes,
  });
  const fake = new FakeSocket();
  const socket = new RunSocket({ connect: () => fake });
  fake.connect();
  const api = new ApiClient({ fetch, storage: { getItem: () => null, setItem: () => {}, removeItem: () => {} } });
  const views: RunNodes[] = [];
  const onSelectNode = vi.fn();
  const props = { api, document: doc, onNodes: (n: RunNodes) => views.push(n), onSelectNode, socket };
  const view = render(<RunDock {...props} />);
  return { fake, requests, views, onSelectNode, rerender: (extra: object) => view.rerender(<RunDock {...props} {...extra} />) };
}

describe('RunDock', () => {
  test('Run sends the document with typed params and the chosen engine', async () => {
    const { requests } = setup();
    const form = screen.getByTestId('params-form');
    fireEvent.change(within(form).getByLabelText(/minQuantity/), { target: { value: '3' } });
    fireEvent.click(within(form).getByLabelText(/strict/));
    fireEvent.change(screen.getByLabelText('Engine'), { target: { value: 'temporal' } });
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'POST')).toBe(true));
    expect(requests.find((r) => r.method === 'POST')!.body).toEqual({ workflow: doc, params: { minQuantity: 3, strict: true }, engine: 'temporal' });
  });

  test('a value of the wrong type is refused in the form, before any request', () => {
    const { requests } = setup();
    fireEvent.change(screen.getByLabelText(/minQuantity/), { target: { value: '1.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    expect(screen.getByText('1.5 is not a whole number')).toBeTruthy();
    expect(requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  test("the server's located problems are shown when it refuses the run", async () => {
    setup({ 'POST /api/runs': { status: 400, body: { error: { code: 'WORKFLOW_INVALID', message: 'workflow "demo" is invalid: 1 problem', details: { problems: [{ pointer: '/params/label', message: 'param "label" needs a value' }] } } } } });
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    const alert = await screen.findByTestId('run-error');
    expect(alert.textContent).toContain('workflow "demo" is invalid');
    expect(alert.textContent).toContain('/params/label');
    expect(alert.textContent).toContain('param "label" needs a value');
  });

  test('live events colour the canvas, status follows the run, and a waiting gate can be approved', async () => {
    const { fake, views, requests } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(fake.emitted).toContainEqual({ event: 'subscribe', payload: { runId: RUN_ID } }));
    act(() => runEvents.forEach((e) => fake.push(e)));
    await waitFor(() => expect(views.at(-1)?.gate?.status).toBe('waiting'));
    expect(screen.getByTestId('run-status').dataset.status).toBe('running');
    expect(views.at(-1)!.collect).toMatchObject({ status: 'succeeded' });
    expect(views.length).toBeLessThan(runEvents.length); // batched per frame, not per event
    act(() => views.at(-1)!.gate!.decide!(true, 'looks right'));
    await waitFor(() => expect(requests.find((r) => r.path === `/api/runs/${RUN_ID}/approve`)?.body).toEqual({ node: 'gate', approve: true, reason: 'looks right' }));
    act(() => fake.push({ type: 'run.finished', status: 'succeeded', runId: RUN_ID, at: '2026-01-05T10:00:09.000Z' }));
    await waitFor(() => expect(screen.getByTestId('run-status').dataset.status).toBe('succeeded'));
  });

  test("the selected node shows its logs, its dataset preview, a train node's loss; the timeline selects nodes", async () => {
    const { fake, rerender, onSelectNode } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(fake.emitted.length).toBeGreaterThan(0));
    act(() => runEvents.forEach((e) => fake.push(e)));
    rerender({ selectedNode: 'collect' });
    expect((await screen.findByTestId('logs')).textContent).toContain('45831 rows from 24 of 24 inputs');
    const table = await screen.findByTestId('preview-table');
    expect(table.tagName).toBe('TABLE');
    expect(within(table).getAllByRole('columnheader').map((th) => th.textContent)).toEqual(['InvoiceNo varchar', 'Quantity bigint']);
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(table.textContent).toContain('2 of 45,831 rows');
    rerender({ selectedNode: 'train' });
    await waitFor(() => expect(screen.getByTestId('chart-loss').dataset.points).toBe('3'));
    fireEvent.click(screen.getByRole('tab', { name: 'Timeline' }));
    fireEvent.click(within(screen.getByTestId('timeline')).getByRole('button', { name: /^clean: succeeded/ }));
    expect(onSelectNode).toHaveBeenCalledWith('clean');
    expect(within(screen.getByTestId('timeline')).getByRole('button', { name: 'stats: cached' }).dataset.cached).toBe('true');
  });

  test("history lists this workflow's runs, and opening one shows its states", async () => {
    const { fake, views } = setup();
    const history = await screen.findByTestId('run-history');
    await waitFor(() => expect(within(history).getAllByRole('button')).toHaveLength(1));
    fake.journal.set('old-1', runEvents.slice(0, 4).map((e) => ({ ...e, runId: 'old-1' })));
    fireEvent.click(within(history).getByRole('button'));
    await waitFor(() => expect(views.at(-1)?.collect?.status).toBe('succeeded'));
    expect(fake.emitted).toContainEqual({ event: 'subscribe', payload: { runId: 'old-1' } });
  });

  test('a refused socket says live updates stopped, and the run is polled until it finishes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const state = (status: string, node: string) => ({ runId: RUN_ID, engine: 'embedded', status, workflow: 'demo', createdAt: null, startedAt: '2026-01-05T10:00:00.000Z', finishedAt: status === 'running' ? null : '2026-01-05T10:00:05.000Z', error: null, nodes: { collect: { status: node, cached: false, attempts: 1 } } });
      const answers = [state('running', 'running'), state('running', 'succeeded'), state('succeeded', 'succeeded')];
      const { fake, requests, views } = setup({ [`GET /api/runs/${RUN_ID}`]: () => answers.shift() ?? state('succeeded', 'succeeded') });
      act(() => fake.refuse('token not accepted'));
      await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Run' })));
      await act(() => vi.advanceTimersByTimeAsync(0));
      const note = screen.getByTestId('run-live-note');
      expect(note.getAttribute('role')).toBe('status');
      expect(note.textContent).toContain('Live updates unavailable — token not accepted; showing the last known state');
      expect(screen.getByTestId('run-status').dataset.status).toBe('running');
      const polls = () => requests.filter((r) => r.path === `/api/runs/${RUN_ID}`).length;
      expect(polls()).toBe(1);
      await act(() => vi.advanceTimersByTimeAsync(2000));
      expect(polls()).toBe(2);
      expect(views.at(-1)?.collect?.status).toBe('succeeded');
      await act(() => vi.advanceTimersByTimeAsync(2000));
      expect(screen.getByTestId('run-status').dataset.status).toBe('succeeded');
      await act(() => vi.advanceTimersByTimeAsync(10_000));
      expect(polls()).toBe(3); // finished: no more polling
    } finally {
      vi.useRealTimers();
    }
  });

  test('when the socket is back, the note goes, polling stops and the events take over', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const state = { runId: RUN_ID, engine: 'embedded', status: 'running', workflow: 'demo', createdAt: null, startedAt: '2026-01-05T10:00:00.000Z', finishedAt: null, error: null, nodes: {} };
      const { fake, requests } = setup({ [`GET /api/runs/${RUN_ID}`]: state });
      fireEvent.click(screen.getByRole('button', { name: 'Run' }));
      await act(() => vi.advanceTimersByTimeAsync(0));
      act(() => fake.drop());
      await act(() => vi.advanceTimersByTimeAsync(0));
      expect(screen.getByTestId('run-live-note').textContent).toContain('the connection was lost (transport close)');
      runEvents.forEach((e) => fake.push(e)); // journalled while away
      fake.push({ type: 'run.finished', status: 'failed', runId: RUN_ID, at: '2026-01-05T10:00:09.000Z' });
      act(() => fake.connect());
      await act(() => vi.advanceTimersByTimeAsync(50));
      expect(screen.queryByTestId('run-live-note')).toBeNull();
      expect(screen.getByTestId('run-status').dataset.status).toBe('failed');
      const polls = requests.filter((r) => r.path === `/api/runs/${RUN_ID}`).length;
      await act(() => vi.advanceTimersByTimeAsync(6000));
      expect(requests.filter((r) => r.path === `/api/runs/${RUN_ID}`).length).toBe(polls);
    } finally {
      vi.useRealTimers();
    }
  });
});
