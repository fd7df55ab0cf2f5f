/**
 * A hash router of a few lines: `#/` the editor, `#/workflows/<name>` the editor with a saved workflow open,
 * `#/models` the models page. The hash survives a reload and needs nothing from the server.
 */
import { useCallback, useEffect, useState } from 'react';

export type Route = { readonly page: 'editor'; readonly workflow?: string } | { readonly page: 'models' };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  if (path === '/models') return { page: 'models' };
  const m = /^\/workflows\/([^/]+)$/.exec(path);
  if (m) {
    try {
      return { page: 'editor', workflow: decodeURIComponent(m[1]!) };
    } catch {
      return { page: 'editor' };
    }
  }
  return { page: 'editor' };
}

export function useRoute(): [Route, (path: string, replace?: boolean) => void] {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const navigate = useCallback((path: string, replace = false) => {
    const next = `#${path}`;
    if (next === window.location.hash) return;
    if (replace) history.replaceState(null, '', next);
    else history.pushState(null, '', next);
    setHash(next);
  }, []);
  return [parseRoute(hash), navigate];
}
