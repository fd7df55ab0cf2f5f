/**
 * The plugin palette: every installed plugin, grouped by category and searchable. Drag one onto the canvas, or
 * click it (Enter/Space from the keyboard) to add it where the view is.
 */
import { memo, useMemo, useState, type DragEvent } from 'react';
import type { PluginDescription } from '../api/types';

export const DRAG_TYPE = 'application/x-loom-plugin';

export interface PaletteProps {
  readonly plugins: readonly PluginDescription[];
  readonly onAdd: (plugin: string) => void;
  readonly error?: string;
}

function matches(p: PluginDescription, query: string): boolean {
  if (!query) return true;
  const q = query.toLowerCase();
  return [p.name, p.title, p.description, p.category].some((s) => s.toLowerCase().includes(q));
}

function PaletteView({ plugins, onAdd, error }: PaletteProps) {
  const [query, setQuery] = useState('');
  const groups = useMemo(() => {
    const byCategory = new Map<string, PluginDescription[]>();
    for (const p of plugins) if (matches(p, query.trim())) byCategory.set(p.category, [...(byCategory.get(p.category) ?? []), p]);
    return [...byCategory.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [plugins, query]);
  const onDragStart = (event: DragEvent, name: string) => {
    event.dataTransfer.setData(DRAG_TYPE, name);
    event.dataTransfer.setData('text/plain', name);
    event.dataTransfer.effectAllowed = 'copy';
  };
  return (
    <aside className="palette" aria-label="Plugins">
      <input className="palette-search" type="search" aria-label="Search plugins" placeholder="Search plugins…" value={query} onChange={(e) => setQuery(e.target.value)} />
      {error ? <div className="palette-error" role="alert">{error}</div> : null}
      <div className="palette-groups">
        {groups.map(([category, list]) => (
          <section key={category} className="palette-group" aria-label={category}>
            <h3>{category}</h3>
            {list.map((p) => (
              <button
                key={p.name}
                type="button"
                className={`palette-item cat-${p.category}`}
                draggable
                data-testid={`palette-${p.name}`}
                title={`${p.description}\nDrag onto the canvas, or press to add.`}
                onDragStart={(e) => onDragStart(e, p.name)}
                onClick={() => onAdd(p.name)}
              >
                <span className="palette-title">{p.title}</span>
                <span className="palette-name">
                  {p.name}
                  {p.source && p.source.kind !== 'builtin' ? (
                    <span className="palette-badge" data-testid={`third-party-${p.name}`} title={`third party: ${p.source.kind === 'package' ? `${p.source.name}@${p.source.version}` : p.source.path}; runs in its own process`}>
                      {' '}3rd party
                    </span>
                  ) : null}
                </span>
              </button>
            ))}
          </section>
        ))}
        {groups.length === 0 && plugins.length > 0 ? <p className="muted">No plugin matches “{query}”.</p> : null}
      </div>
    </aside>
  );
}

export const Palette = memo(PaletteView);
