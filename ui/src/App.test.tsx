import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, expect, test, vi } from 'vitest';
import { App } from './App';
import { ApiClient } from './api/client';
import { testPlugins } from './editor/test-plugins';

afterEach(() => {
  cleanup();
  window.location.hash = '';
});

/**
 * A server of a few routes; `token` makes every route answer 401 until the token is sent. `hold` keeps the answer
 * to a matching request until `release()`: a request slower than the user.
 */
function fakeServer(token?: string, hold?: (url: string, auth: string | undefined) => boolean) {
  const calls: string[] = [];
  const held: (() => void)[] = [];
  const fetch = vi.fn(async (url: string, init?: RequestInit) => {
    calls.push(`${init?.method ?? 'GET'} ${url}`);
    if (hold?.(url, (init?.headers as Record<string, string> | undefined)?.Authorization)) await new Promise<void>((resolve) => held.push(resolve));
    const auth = (init?.headers as Record<string, string> | undefined)?.Authorization;
    const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
    if (token && auth !== `Bearer ${token}`) return json(401, { error: { code: 'UNAUTHORIZED', message: 'a token is needed' } });
    if (url.startsWith('/api/plugins')) return json(200, { plugins: testPlugins });
    if (url.startsWith('/api/workflows/validate')) return json(200, { valid: true, name: 'untitled', nodes: 0, problems: [] });
    if (url.startsWith('/api/workflows')) return json(200, { workflows: [] });
    if (url.startsWith('/api/runs')) return json(200, { runs: [] });
    return json(404, { error: { code: 'NOT_FOUND', message: url } });
  });
  const store = new Map<string, string>();
  const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v), removeItem: (k: string) => void store.delete(k) };
  const release = () => held.splice(0).forEach((resolve) => resolve());
  return { api: new ApiClient({ fetch: fetch as unknown as typeof globalThis.fetch, storage }), calls, store, release };
}

test('the shell shows the editor with the palette from the server, grouped by category', async () => {
  const { api } = fakeServer();
  render(<App api={api} />);
  expect(await screen.findByTestId('palette-collect')).toBeTruthy();
  expect(screen.getByRole('heading', { name: 'Loom' })).toBeTruthy();
  expect(screen.getByRole('region', { name: 'train' })).toBeTruthy();
  for (const name of ['New', 'Open', 'Save', 'Import', 'Export', 'Undo', 'Redo', 'Auto-layout', 'Fit view']) expect(screen.getByRole('button', { name })).toBeTruthy();
  expect(screen.getByTestId('config-panel')).toBeTruthy();
});

test('clicking a palette item adds a node named after the plugin, then name-2', async () => {
  const { api } = fakeServer();
  render(<App api={api} />);
  const clean = await screen.findByTestId('palette-clean');
  await act(async () => fireEvent.click(clean));
  await act(async () => fireEvent.click(screen.getByTestId('palette-clean')));
  expect(window.__loom?.document().nodes.map((n) => [n.id, n.plugin])).toEqual([['clean', 'clean@^1'], ['clean-2', 'clean@^1']]);
  await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Undo' })));
  expect(window.__loom?.document().nodes.map((n) => n.id)).toEqual(['clean']);
});

test('a 401 asks for a token, stores it, and the requests are made again', async () => {
  const { api, store } = fakeServer('s3cret');
  render(<App api={api} />);
  const input = await screen.findByLabelText('API token');
  fireEvent.change(input, { target: { value: 's3cret' } });
  await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Sign in' })));
  expect(await screen.findByTestId('palette-collect')).toBeTruthy();
  expect(store.get('loom.token')).toBe('s3cret');
  expect(screen.queryByLabelText('API token')).toBeNull();
});

test('a wrong token is not accepted; a right one is', async () => {
  const { api } = fakeServer('s3cret');
  render(<App api={api} />);
  fireEvent.change(await screen.findByLabelText('API token'), { target: { value: 'wrong' } });
  await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Sign in' })));
  expect(await screen.findByText('That token was not accepted.')).toBeTruthy();
  fireEvent.change(screen.getByLabelText('API token'), { target: { value: 's3cret' } });
  await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Sign in' })));
  expect(await screen.findByTestId('palette-collect')).toBeTruthy();
  expect(screen.queryByRole('dialog')).toBeNull();
});

test('a 401 to a request sent before the token was given does not count against the token', async () => {
  // The run history's first request, sent without a token, is answered only after the user signed in.
  const { api, release } = fakeServer('s3cret', (url, auth) => url.startsWith('/api/runs') && auth === undefined);
  render(<App api={api} />);
  fireEvent.change(await screen.findByLabelText('API token'), { target: { value: 's3cret' } });
  await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Sign in' })));
  expect(await screen.findByTestId('palette-collect')).toBeTruthy();
  await act(async () => release());
  expect(screen.queryByRole('dialog')).toBeNull();
  expect(screen.queryByText('That token was not accepted.')).toBeNull();
});

test('a token stored elsewhere while the prompt is open closes it once a request with it succeeds', async () => {
  const { api, store } = fakeServer('s3cret');
  render(<App api={api} />);
  await screen.findByLabelText('API token');
  store.set('loom.token', 's3cret'); // another tab, or the console
  await act(async () => void (window.location.hash = '#/models'));
  await act(async () => window.dispatchEvent(new HashChangeEvent('hashchange')));
  await act(async () => void (await new Promise((r) => setTimeout(r, 10))));
  expect(screen.queryByRole('dialog')).toBeNull();
  expect(screen.queryByText('That token was not accepted.')).toBeNull();
});

test('the URL names the page: #/models shows the models page', async () => {
  window.location.hash = '#/models';
  const { api } = fakeServer();
  render(<App api={api} />);
  expect(screen.getByRole('link', { name: 'Models' }).getAttribute('aria-current')).toBe('page');
});
