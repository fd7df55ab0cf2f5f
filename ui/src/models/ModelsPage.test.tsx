import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, test } from 'vitest';
import { ApiClient } from '../api/client';
import { fakeFetch } from '../api/test-fakes';
import { ModelsPage } from './ModelsPage';

afterEach(cleanup);

const version = (v: number, extra: object = {}) => ({ version: v, algorithm: 'ranker', encrypted: true, metrics: { ndcg: 0.1 + v / 100, recall: 0.05, hitRate: 0.5, k: 10, comparisons: [] }, tags: {}, createdAt: `2026-01-0${v}T10:00:00.000Z`, createdBy: 'workflow:recommender', ...extra });
const move = (id: number, from: number | null, to: number, kind = 'move', reason = 'passed the gate') => ({ id, name: 'recommender', alias: 'production', kind, from, to, actor: kind === 'rollback' ? 'ada' : 'workflow:recommender', reason, at: `2026-01-0${id}T11:00:00.000Z` });

function setup(rollback: unknown = { move: move(4, 3, 2, 'rollback', 'bad canary'), serving: null }) {
  const { fetch, requests } = fakeFetch({
    'GET /api/models': { models: [{ name: 'recommender', versions: 3, latest: 3, aliases: { production: 3, staging: 3 }, createdAt: 'a', updatedAt: 'b', serving: { version: 3, loadedAt: '2026-01-03T12:00:00.000Z' } }] },
    'GET /api/models/recommender/versions': { name: 'recommender', versions: [version(3), version(2), version(1, { encrypted: false, algorithm: 'popularity' })] },
    'GET /api/models/recommender/history': { name: 'recommender', moves: [move(1, null, 1), move(2, 1, 2), move(3, 2, 3), move(4, 3, 2, 'rollback', 'ndcg dropped online')] },
    'POST /api/models/recommender/rollback': rollback,
  });
  render(<ModelsPage api={new ApiClient({ fetch, storage: { getItem: () => null, setItem: () => {}, removeItem: () => {} } })} />);
  return { requests };
}

describe('ModelsPage', () => {
  test('shows the versions with metrics, badges and aliases, the production alias, and the history newest first', async () => {
    setup();
    const versions = await screen.findByTestId('model-versions');
    expect(screen.getByTestId('production-alias').textContent).toBe('production: version 3');
    expect(within(versions).getAllByRole('columnheader').map((th) => th.textContent)).toEqual(['version', 'aliases', 'algorithm', 'ndcg', 'recall', 'hitRate', 'created', 'by']);
    const v3 = versions.querySelector('[data-version="3"]')!;
    expect(v3.textContent).toContain('encrypted');
    expect(within(v3 as HTMLElement).getByText('production')).toBeTruthy();
    expect(within(v3 as HTMLElement).getByText('staging')).toBeTruthy();
    expect(v3.textContent).toContain('0.1300');
    expect(versions.querySelector('[data-version="1"]')!.textContent).not.toContain('encrypted');
    const history = screen.getByTestId('alias-history');
    const rows = within(history).getAllByRole('row').slice(1);
    expect(rows[0]!.dataset.kind).toBe('rollback');
    expect(rows[0]!.textContent).toContain('v3 → v2');
    expect(rows[0]!.textContent).toContain('ndcg dropped online');
    expect(rows[0]!.textContent).toContain('ada');
    expect(rows[3]!.textContent).toContain('∅ → v1');
  });

  test('a rollback sends the chosen version with the reason', async () => {
    const { requests } = setup();
    await screen.findByTestId('model-versions');
    const button = screen.getByRole('button', { name: 'Rollback' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true); // no reason yet
    fireEvent.change(screen.getByLabelText('To version'), { target: { value: '1' } });
    fireEvent.change(screen.getByLabelText('Reason'), { target: { value: 'bad canary' } });
    fireEvent.click(button);
    await waitFor(() => expect(requests.find((r) => r.method === 'POST')?.body).toEqual({ reason: 'bad canary', to: 1 }));
    expect((await screen.findByRole('status')).textContent).toBe('production moved from v3 to v2');
  });

  test('a non-admin is told that rollback needs an admin', async () => {
    setup({ status: 403, body: { error: { code: 'FORBIDDEN', message: 'this needs the admin role; your token is an editor', details: { needed: 'admin', role: 'editor' } } } });
    await screen.findByTestId('model-versions');
    fireEvent.change(screen.getByLabelText('Reason'), { target: { value: 'try' } });
    fireEvent.click(screen.getByRole('button', { name: 'Rollback' }));
    const alert = await screen.findByRole('alert');
    expect(alert.dataset.status).toBe('403');
    expect(alert.textContent).toContain('Only an admin may do this.');
  });
});
