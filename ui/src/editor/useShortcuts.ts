/**
 * Keyboard shortcuts, on the whole page but never while typing in a field: Ctrl/⌘+Z undo, Ctrl/⌘+Shift+Z or
 * Ctrl+Y redo, Ctrl/⌘+C copy, Ctrl/⌘+V paste, Ctrl/⌘+A select all, Ctrl/⌘+S save. Delete/Backspace (delete)
 * and Shift-click/drag (multi-select) are React Flow's.
 */
import { useEffect, useRef } from 'react';

export interface Shortcuts {
  readonly undo: () => void;
  readonly redo: () => void;
  readonly copy: () => void;
  readonly paste: () => void;
  readonly save: () => void;
  readonly selectAll: () => void;
  readonly layout?: () => void;
  readonly fit?: () => void;
}

export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

export function useShortcuts(shortcuts: Shortcuts): void {
  const ref = useRef(shortcuts);
  ref.current = shortcuts;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target) || document.querySelector('[role="dialog"]')) return;
      const k = e.key.toLowerCase();
      const s = ref.current;
      if (!(e.ctrlKey || e.metaKey)) {
        if (e.shiftKey && k === 'l' && s.layout) (e.preventDefault(), s.layout());
        if (e.shiftKey && k === 'f' && s.fit) (e.preventDefault(), s.fit());
        return;
      }
      const act: Record<string, (() => void) | undefined> = {
        z: e.shiftKey ? s.redo : s.undo,
        y: s.redo,
        c: s.copy,
        v: s.paste,
        s: s.save,
        a: s.selectAll,
      };
      const f = act[k];
      if (!f) return;
      // Copy with text selected on the page stays the browser's.
      if (k === 'c' && window.getSelection()?.toString()) return;
      e.preventDefault();
      f();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
