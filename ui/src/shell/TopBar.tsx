/** The top bar: the product, the two pages, and signing out when a token is stored. */
import type { Route } from './router';

export function TopBar({ route, navigate, signedIn, onSignOut }: { route: Route; navigate: (path: string) => void; signedIn: boolean; onSignOut: () => void }) {
  const link = (page: Route['page'], path: string, label: string) => (
    <a href={`#${path}`} className={route.page === page ? 'active' : ''} aria-current={route.page === page ? 'page' : undefined} onClick={(e) => (e.preventDefault(), navigate(path))}>
      {label}
    </a>
  );
  return (
    <header className="topbar">
      <h1 className="brand">Loom</h1>
      <nav aria-label="Pages">
        {link('editor', route.page === 'editor' && route.workflow ? `/workflows/${encodeURIComponent(route.workflow)}` : '/', 'Editor')}
        {link('models', '/models', 'Models')}
      </nav>
      <div className="topbar-end">{signedIn ? <button type="button" className="link" onClick={onSignOut}>Sign out</button> : null}</div>
    </header>
  );
}
